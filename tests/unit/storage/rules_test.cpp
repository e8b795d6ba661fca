// Rule parsing and matching, including the AIDE trap: an unanchored "/etc/ssh" also selecting
// "/etc/sshd_config" and "/etc/ssh2".
#include <gtest/gtest.h>

#include "storage/rules.h"

namespace virdomm::monitor {
namespace {

RuleSet Parse(const char* text) { return RuleSet::Parse(text, "test"); }

TEST(StorageRules, PathRuleCoversItsSubtreeButNotSiblingsWithTheSamePrefix) {
  RuleSet rules = Parse("/etc/ssh R\n");
  EXPECT_TRUE(rules.Match("/etc/ssh").selected);
  EXPECT_TRUE(rules.Match("/etc/ssh/sshd_config").selected);
  EXPECT_FALSE(rules.Match("/etc/sshd_config").selected);  // AIDE's implicit ^ without $
  EXPECT_FALSE(rules.Match("/etc/ssh2").selected);
  EXPECT_FALSE(rules.Match("/etc").selected);
}

TEST(StorageRules, RegexIsAnchoredAtBothEnds) {
  RuleSet rules = Parse("~/etc/ssh R\n");
  EXPECT_TRUE(rules.Match("/etc/ssh").selected);
  EXPECT_FALSE(rules.Match("/etc/sshd_config").selected);
  EXPECT_FALSE(rules.Match("/etc/ssh/sshd_config").selected);
  EXPECT_FALSE(rules.Match("/x/etc/ssh").selected);
  RuleSet subtree = Parse("~/etc/ssh(/.*)? R\n");
  EXPECT_TRUE(subtree.Match("/etc/ssh/sshd_config").selected);
  EXPECT_FALSE(subtree.Match("/etc/sshd_config").selected);
}

TEST(StorageRules, ExactRuleSelectsOnlyThePath) {
  RuleSet rules = Parse("=/tmp L\n");
  EXPECT_TRUE(rules.Match("/tmp").selected);
  EXPECT_FALSE(rules.Match("/tmp/x").selected);
}

TEST(StorageRules, LastMatchingRuleDecidesAndNegationExcludesSubtree) {
  RuleSet rules = Parse("/ R\n!/var/cache\n/var/cache/keep p+u\n");
  EXPECT_TRUE(rules.Match("/etc/passwd").selected);
  EXPECT_FALSE(rules.Match("/var/cache").selected);
  EXPECT_FALSE(rules.Match("/var/cache/apt/pkgcache.bin").selected);
  RuleDecision keep = rules.Match("/var/cache/keep/x");
  EXPECT_TRUE(keep.selected);
  EXPECT_EQ(keep.line, 3);
  EXPECT_EQ(keep.attributes, Bit(Attribute::kPermissions) | Bit(Attribute::kUid));
  EXPECT_TRUE(rules.Match("/var/cachex").selected);  // a sibling, not under /var/cache
}

TEST(StorageRules, GlobMatchesWithinOneComponent) {
  RuleSet rules = Parse("/ R\n!/tmp/*\n/home/*/.ssh R+sha512\n");
  EXPECT_TRUE(rules.Match("/tmp").selected);
  EXPECT_FALSE(rules.Match("/tmp/a").selected);
  EXPECT_FALSE(rules.Match("/tmp/a/b").selected);
  RuleDecision ssh = rules.Match("/home/alice/.ssh/authorized_keys");
  EXPECT_EQ(ssh.line, 3);
  EXPECT_NE(ssh.attributes & Bit(Attribute::kSha512), 0U);
  EXPECT_EQ(rules.Match("/home/alice/x").line, 1);
}

TEST(StorageRules, NamedGroupsAndMinus) {
  RuleSet rules = Parse("CONTENT = sha256+sha512\nPERMS = p+u+g\nMINE = PERMS+CONTENT-u\n/ MINE\n");
  AttributeSet want = Bit(Attribute::kPermissions) | Bit(Attribute::kGid) |
                      Bit(Attribute::kSha256) | Bit(Attribute::kSha512);
  EXPECT_EQ(rules.Match("/x").attributes, want);
}

TEST(StorageRules, BuiltinGroups) {
  RuleSet rules = Parse("/ R\n/var/log L\n");
  AttributeSet r = rules.Match("/etc/passwd").attributes;
  for (Attribute a :
       {Attribute::kType, Attribute::kPermissions, Attribute::kInode, Attribute::kLinkCount,
        Attribute::kUid, Attribute::kGid, Attribute::kSize, Attribute::kMtime, Attribute::kCtime,
        Attribute::kLinkTarget, Attribute::kDevice, Attribute::kXattrs, Attribute::kSelinux,
        Attribute::kCapabilities, Attribute::kSha256}) {
    EXPECT_NE(r & Bit(a), 0U) << ToString(a);
  }
  AttributeSet l = rules.Match("/var/log/syslog").attributes;
  EXPECT_EQ(l & (Bit(Attribute::kSize) | kDigestAttributes | Bit(Attribute::kMtime)), 0U);
}

TEST(StorageRules, MayMatchBelowPrunesOnlyWhenSafe) {
  RuleSet rules = Parse("/ R\n!/proc\n!/var\n/var/lib/dpkg R\n");
  EXPECT_FALSE(rules.MayMatchBelow("/proc"));
  EXPECT_TRUE(rules.MayMatchBelow("/var"));
  EXPECT_TRUE(rules.MayMatchBelow("/var/lib"));
  EXPECT_FALSE(rules.MayMatchBelow("/var/cache"));
  EXPECT_TRUE(rules.MayMatchBelow("/etc"));
  RuleSet regex = Parse("!/ \n~/srv/.*\\.conf R\n");
  EXPECT_TRUE(regex.MayMatchBelow("/srv"));
}

TEST(StorageRules, ErrorsNameTheLine) {
  EXPECT_THROW(Parse("/ R+bogus\n"), RulesError);
  try {
    Parse("# c\n\n/etc\n");
    FAIL();
  } catch (const RulesError& error) {
    EXPECT_NE(std::string(error.what()).find("test:3:"), std::string::npos) << error.what();
  }
  EXPECT_THROW(Parse("etc R\n"), RulesError);
  EXPECT_THROW(Parse("!/etc R\n"), RulesError);
  EXPECT_THROW(Parse("~/etc/( R\n"), RulesError);
  EXPECT_THROW(Parse("/etc//x R\n"), RulesError);
  EXPECT_THROW(Parse("bad name = R\n"), RulesError);
}

TEST(StorageRules, DefaultRulesParseAndCoverASystemDisk) {
  RuleSet rules = RuleSet::Parse(DefaultRulesText(), "default");
  EXPECT_NE(rules.Match("/usr/bin/passwd").attributes & Bit(Attribute::kSha256), 0U);
  EXPECT_NE(rules.Match("/etc/shadow").attributes & Bit(Attribute::kSha256), 0U);
  EXPECT_NE(rules.Match("/boot/vmlinuz-6.1.0-18-amd64").attributes & Bit(Attribute::kSha256), 0U);
  EXPECT_EQ(rules.Match("/var/log/syslog").attributes & Bit(Attribute::kSha256), 0U);
  EXPECT_TRUE(rules.Match("/var/log/syslog").selected);
  EXPECT_FALSE(rules.Match("/var/cache/apt/pkgcache.bin").selected);
  EXPECT_FALSE(rules.Match("/tmp/x").selected);
  EXPECT_TRUE(rules.Match("/tmp").selected);
  EXPECT_NE(rules.Match("/root/.ssh/authorized_keys").attributes & Bit(Attribute::kSha256), 0U);
  EXPECT_NE(rules.Match("/home/bob/.ssh/authorized_keys").attributes & Bit(Attribute::kSha256), 0U);
  EXPECT_EQ(rules.Match("/home/bob/notes.txt").attributes & Bit(Attribute::kSha256), 0U);
  EXPECT_NE(rules.Match("/var/spool/cron/crontabs/root").attributes & Bit(Attribute::kSha256), 0U);
}

}  // namespace
}  // namespace virdomm::monitor
