// The btrfs reader: key order, chunk mapping and item parsing on synthesized bytes, the three
// decoders, and a kernel-written fixture image (tests/data/storage/make-btrfs-fixture.sh) read
// through the whole scan, superblock checksum included.
#include <gtest/gtest.h>
#include <lzo/lzo1x.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "common/unique_handle.h"
#include "storage/btrfs_chunk_map.h"
#include "storage/btrfs_decompress.h"
#include "storage/btrfs_format.h"
#include "storage/btrfs_items.h"
#include "storage/btrfs_superblock.h"
#include "storage/btrfs_tree.h"
#include "storage/rules.h"
#include "storage/storage_scan.h"

namespace virdomm::monitor::btrfs {
namespace {

using Buffer = std::vector<std::uint8_t>;

void Put64(Buffer& b, size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void Put16(Buffer& b, size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}

// A struct btrfs_chunk with `stripes` stripes on device `devid` at device bytes `offsets`.
Buffer Chunk(std::uint64_t length, std::uint64_t type, std::uint64_t devid,
             std::vector<std::uint64_t> offsets) {
  Buffer b(chunk::kBytes + offsets.size() * chunk::kStripeBytes);
  Put64(b, chunk::kLength, length);
  Put64(b, chunk::kType, type);
  Put16(b, chunk::kNumStripes, static_cast<std::uint16_t>(offsets.size()));
  for (size_t i = 0; i < offsets.size(); ++i) {
    Put64(b, chunk::kBytes + i * chunk::kStripeBytes + chunk::kStripeDevid, devid);
    Put64(b, chunk::kBytes + i * chunk::kStripeBytes + chunk::kStripeOffset, offsets[i]);
  }
  return b;
}

constexpr std::uint64_t kMiB = 1 << 20;

TEST(BtrfsKey, OrdersByObjectidThenTypeThenOffset) {
  EXPECT_LT((Key{1, 200, 9}), (Key{2, 0, 0}));
  EXPECT_LT((Key{2, 1, ~0ULL}), (Key{2, 12, 0}));
  EXPECT_LT((Key{2, 12, 5}), (Key{2, 12, 6}));
  EXPECT_FALSE((Key{2, 12, 6}) < (Key{2, 12, 6}));
  Buffer raw = {1, 0, 0, 0, 0, 0, 0, 0, 84, 0x10, 0, 0, 0, 0, 0, 0, 0x80};
  Key key = ReadKey(raw, 0);
  EXPECT_EQ(key.objectid, 1U);
  EXPECT_EQ(key.type, 84U);
  EXPECT_EQ(key.offset, 0x8000000000000010ULL);
}

TEST(BtrfsChunkMap, MapsSingleAndDupChunks) {
  ChunkMap map(1, 100 * kMiB);
  map.Add(22 * kMiB,
          Chunk(8 * kMiB, chunk_type::kSystem | chunk_type::kDup, 1, {1 * kMiB, 9 * kMiB}));
  map.Add(30 * kMiB, Chunk(16 * kMiB, chunk_type::kData, 1, {40 * kMiB}));
  EXPECT_EQ(map.Map(22 * kMiB + 100, 16384), 1 * kMiB + 100);  // DUP: the first copy
  EXPECT_EQ(map.Map(30 * kMiB, 16 * kMiB), 40 * kMiB);
  EXPECT_EQ(map.Find(47 * kMiB), nullptr);
  EXPECT_THROW((void)map.Map(30 * kMiB + 1, 16 * kMiB), BtrfsError);  // crosses the chunk's end
  EXPECT_THROW((void)map.Map(50 * kMiB, 1), BtrfsError);              // in no chunk
  // The sys_chunk_array repeats a chunk of the chunk tree: accepted once more, unchanged.
  map.Add(30 * kMiB, Chunk(16 * kMiB, chunk_type::kData, 1, {40 * kMiB}));
  EXPECT_EQ(map.Chunks().size(), 2U);
}

TEST(BtrfsChunkMap, RefusesWhatOneDeviceCannotHold) {
  ChunkMap map(1, 100 * kMiB);
  EXPECT_THROW(map.Add(0, Chunk(kMiB, chunk_type::kData | chunk_type::kRaid1, 1, {0, kMiB})),
               BtrfsError);
  EXPECT_THROW(map.Add(0, Chunk(kMiB, chunk_type::kData, 2, {0})), BtrfsError);  // other device
  EXPECT_THROW(map.Add(0, Chunk(kMiB, chunk_type::kData, 1, {100 * kMiB})), BtrfsError);
  EXPECT_THROW(map.Add(0, Chunk(kMiB, chunk_type::kData, 1, {0, kMiB})), BtrfsError);  // 2 SINGLE
  Buffer truncated = Chunk(kMiB, chunk_type::kData, 1, {0});
  truncated.pop_back();
  EXPECT_THROW(map.Add(0, truncated), BtrfsError);
  map.Add(10 * kMiB, Chunk(4 * kMiB, chunk_type::kData, 1, {0}));
  EXPECT_THROW(map.Add(12 * kMiB, Chunk(4 * kMiB, chunk_type::kData, 1, {50 * kMiB})), BtrfsError);
  EXPECT_THROW(map.Add(8 * kMiB, Chunk(4 * kMiB, chunk_type::kData, 1, {50 * kMiB})), BtrfsError);
  EXPECT_THROW(map.Add(10 * kMiB, Chunk(2 * kMiB, chunk_type::kData, 1, {0})), BtrfsError);
}

TEST(BtrfsChunkMap, ParsesTheSystemChunkArray) {
  Buffer array(kKeyBytes);
  Put64(array, 0, objectid::kFirstChunkTree);
  array[8] = item::kChunkItem;
  Put64(array, 9, 22 * kMiB);
  Buffer chunk = Chunk(8 * kMiB, chunk_type::kSystem | chunk_type::kDup, 1, {kMiB, 9 * kMiB});
  array.insert(array.end(), chunk.begin(), chunk.end());
  ChunkMap map(1, 100 * kMiB);
  map.AddSystemChunkArray(array);
  EXPECT_EQ(map.Map(22 * kMiB, 4096), kMiB);
  array.pop_back();
  ChunkMap short_map(1, 100 * kMiB);
  EXPECT_THROW(short_map.AddSystemChunkArray(array), BtrfsError);
}

Buffer DirItem(Key location, std::uint8_t type, const std::string& name, const std::string& data) {
  Buffer b(dir::kBytes);
  Put64(b, 0, location.objectid);
  b[8] = location.type;
  Put64(b, 9, location.offset);
  Put16(b, dir::kDataLen, static_cast<std::uint16_t>(data.size()));
  Put16(b, dir::kNameLen, static_cast<std::uint16_t>(name.size()));
  b[dir::kType] = type;
  b.insert(b.end(), name.begin(), name.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

TEST(BtrfsItems, ParsesPackedDirectoryAndXattrEntries) {
  Buffer item = DirItem(Key{257, item::kInodeItem, 0}, 1, "passwd", "");
  Buffer second = DirItem(Key{0, 0, 0}, 8, "user.note", "value");
  item.insert(item.end(), second.begin(), second.end());
  std::vector<DirEntry> entries = ParseDirEntries(item, 16);
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0].name, "passwd");
  EXPECT_EQ(entries[0].location.objectid, 257U);
  EXPECT_EQ(entries[1].name, "user.note");
  EXPECT_EQ(entries[1].data, "value");
  EXPECT_THROW(ParseDirEntries(item, 1), ItemError);  // more than allowed
  item.pop_back();
  EXPECT_THROW(ParseDirEntries(item, 16), ItemError);  // value runs past the item
}

TEST(BtrfsItems, ParsesInodeRefsAndExtrefs) {
  Buffer refs(10);
  Put64(refs, 0, 7);  // index
  Put16(refs, 8, 3);
  refs.insert(refs.end(), {'a', 'b', 'c'});
  Buffer second(10);
  Put64(second, 0, 9);
  Put16(second, 8, 1);
  second.push_back('z');
  refs.insert(refs.end(), second.begin(), second.end());
  std::vector<InodeRef> parsed = ParseInodeRefs(refs, 256);
  ASSERT_EQ(parsed.size(), 2U);
  EXPECT_EQ(parsed[0].parent, 256U);
  EXPECT_EQ(parsed[0].index, 7U);
  EXPECT_EQ(parsed[0].name, "abc");
  EXPECT_EQ(parsed[1].name, "z");
  refs.pop_back();
  EXPECT_THROW(ParseInodeRefs(refs, 256), ItemError);
  Buffer extref(18);
  Put64(extref, 0, 300);  // parent
  Put64(extref, 8, 4);    // index
  Put16(extref, 16, 2);
  extref.insert(extref.end(), {'h', 'l'});
  std::vector<InodeRef> ext = ParseInodeExtrefs(extref);
  ASSERT_EQ(ext.size(), 1U);
  EXPECT_EQ(ext[0].parent, 300U);
  EXPECT_EQ(ext[0].name, "hl");
  extref.resize(17);
  EXPECT_THROW(ParseInodeExtrefs(extref), ItemError);
}

TEST(BtrfsItems, ParsesFileExtentsAndRefusesShortOnes) {
  Buffer regular(extent::kRegularBytes);
  regular[extent::kType] = extent::kTypeRegular;
  regular[extent::kCompression] = kCompressZstd;
  Put64(regular, extent::kRamBytes, 131072);
  Put64(regular, extent::kDiskBytenr, 0x1d00000);
  Put64(regular, extent::kDiskNumBytes, 4096);
  Put64(regular, extent::kOffset, 8192);
  Put64(regular, extent::kNumBytes, 65536);
  FileExtent parsed = ParseFileExtent(regular);
  EXPECT_EQ(parsed.compression, kCompressZstd);
  EXPECT_EQ(parsed.disk_bytenr, 0x1d00000U);
  EXPECT_EQ(parsed.offset, 8192U);
  EXPECT_EQ(parsed.num_bytes, 65536U);
  regular.pop_back();
  EXPECT_THROW(ParseFileExtent(regular), ItemError);
  Buffer inline_item(extent::kInlineData + 5);
  inline_item[extent::kType] = extent::kTypeInline;
  FileExtent inlined = ParseFileExtent(inline_item);
  EXPECT_EQ(inlined.inline_offset, extent::kInlineData);
  EXPECT_EQ(inlined.inline_length, 5U);
  inline_item[extent::kEncryption] = 1;
  EXPECT_THROW(ParseFileExtent(inline_item), ItemError);
  EXPECT_THROW(ParseInodeItem(Buffer(inode::kBytes - 1)), ItemError);
}

std::string Numbers(int count) {
  std::string text;
  for (int i = 1; i <= count; ++i) text += std::to_string(i) + "\n";
  return text;
}

TEST(BtrfsDecompress, DecodesZlibAndZstdAndStopsAtTheOutputSize) {
  std::string plain = Numbers(20000);
  std::vector<std::uint8_t> packed(compressBound(plain.size()));
  uLongf packed_size = packed.size();
  ASSERT_EQ(compress2(packed.data(), &packed_size, reinterpret_cast<const Bytef*>(plain.data()),
                      plain.size(), 6),
            Z_OK);
  packed.resize(packed_size);
  std::vector<std::uint8_t> out(kMaxDecodedExtent);
  size_t got = Decompress(kCompressZlib, packed, out, 4096);
  ASSERT_EQ(got, std::min(plain.size(), out.size()));
  EXPECT_EQ(std::string(out.begin(), out.begin() + 1000), plain.substr(0, 1000));

  std::vector<std::uint8_t> zpacked(ZSTD_compressBound(plain.size()));
  zpacked.resize(ZSTD_compress(zpacked.data(), zpacked.size(), plain.data(), 60000, 3));
  std::vector<std::uint8_t> small(1000);
  EXPECT_EQ(Decompress(kCompressZstd, zpacked, small, 4096), 1000U);  // never writes past
  EXPECT_EQ(std::string(small.begin(), small.end()), plain.substr(0, 1000));

  packed[packed.size() / 2] ^= 0xff;
  EXPECT_THROW(Decompress(kCompressZlib, packed, out, 4096), DecompressError);
  EXPECT_THROW(Decompress(9, packed, out, 4096), DecompressError);
}

// btrfs's LZO framing: total length, then per sector of input a segment header and block;
// a header that would straddle a sector boundary starts at the next sector instead.
std::vector<std::uint8_t> LzoFrame(const std::string& plain, std::uint32_t sector) {
  EXPECT_EQ(lzo_init(), LZO_E_OK);
  std::vector<std::uint8_t> work(LZO1X_1_MEM_COMPRESS);
  std::vector<std::uint8_t> frame(4, 0);
  for (size_t at = 0; at < plain.size(); at += sector) {
    size_t left = sector - frame.size() % sector;
    if (left < 4) frame.resize(frame.size() + left, 0);
    std::vector<std::uint8_t> block(sector + sector / 16 + 64 + 3);
    lzo_uint block_size = block.size();
    size_t n = std::min<size_t>(sector, plain.size() - at);
    lzo1x_1_compress(reinterpret_cast<const unsigned char*>(plain.data() + at), n, block.data(),
                     &block_size, work.data());
    for (int i = 0; i < 4; ++i) frame.push_back(static_cast<std::uint8_t>(block_size >> (8 * i)));
    frame.insert(frame.end(), block.begin(), block.begin() + static_cast<long>(block_size));
  }
  for (int i = 0; i < 4; ++i) frame[i] = static_cast<std::uint8_t>(frame.size() >> (8 * i));
  return frame;
}

TEST(BtrfsDecompress, DecodesBtrfsLzoFraming) {
  std::string plain = Numbers(9000);  // several sectors
  std::vector<std::uint8_t> frame = LzoFrame(plain, 4096);
  std::vector<std::uint8_t> out(plain.size());
  ASSERT_EQ(Decompress(kCompressLzo, frame, out, 4096), plain.size());
  EXPECT_EQ(std::string(out.begin(), out.end()), plain);
  std::vector<std::uint8_t> part(5000);
  EXPECT_EQ(Decompress(kCompressLzo, frame, part, 4096), 5000U);
  frame[0] = 0xff;  // total length beyond the extent
  EXPECT_THROW(Decompress(kCompressLzo, frame, out, 4096), DecompressError);
}

// The fixture image, decompressed into a memfd.
UniqueFd FixtureImage() {
  std::string path = std::string(VIRDOMM_TEST_DATA_DIR) + "/storage/btrfs-compressed.img.gz";
  gzFile gz = gzopen(path.c_str(), "rb");
  EXPECT_NE(gz, nullptr) << path;
  UniqueFd fd(memfd_create("btrfs-fixture", MFD_CLOEXEC));
  std::vector<char> buffer(1 << 20);
  int got = 0;
  while (gz != nullptr &&
         (got = gzread(gz, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) {
    EXPECT_EQ(write(fd.Get(), buffer.data(), static_cast<size_t>(got)), got);
  }
  if (gz != nullptr) gzclose(gz);
  return fd;
}

std::string Sha256(const std::string& text) {
  std::string digest(32, '\0');
  unsigned length = 0;
  EVP_Digest(text.data(), text.size(), reinterpret_cast<unsigned char*>(digest.data()), &length,
             EVP_sha256(), nullptr);
  return digest;
}

TEST(BtrfsFixture, SuperblockChecksumIsVerified) {
  UniqueFd fd = FixtureImage();
  Buffer block(kSuperblockBytes);
  ASSERT_EQ(pread(fd.Get(), block.data(), block.size(), kSuperblockOffset),
            static_cast<ssize_t>(block.size()));
  Superblock super = ParseSuperblock(block);
  EXPECT_EQ(super.csum_type, kCsumCrc32c);
  EXPECT_EQ(super.node_size, 16384U);
  EXPECT_EQ(super.num_devices, 1U);
  block[0x300] ^= 1;
  EXPECT_THROW(ParseSuperblock(block), BtrfsError);
  block[0x300] ^= 1;
  block[sb::kCsumType] = kCsumBlake2;
  try {
    ParseSuperblock(block);
    ADD_FAILURE() << "blake2 accepted";
  } catch (const BtrfsError& error) {
    EXPECT_NE(std::string(error.what()).find("checksum type blake2b"), std::string::npos);
  }
}

TEST(BtrfsFixture, ChunkTreeRootNodeIsFoundAndVerified) {
  UniqueFd fd = FixtureImage();
  Buffer block(kSuperblockBytes);
  ASSERT_EQ(pread(fd.Get(), block.data(), block.size(), kSuperblockOffset),
            static_cast<ssize_t>(block.size()));
  Superblock super = ParseSuperblock(block);
  ChunkMap chunks(super.device_id, 114 * kMiB);
  chunks.AddSystemChunkArray(super.sys_chunk_array);
  std::uint64_t physical = chunks.Map(super.chunk_tree.logical, super.node_size);
  Buffer node(super.node_size);
  ASSERT_EQ(pread(fd.Get(), node.data(), node.size(), static_cast<off_t>(physical)),
            static_cast<ssize_t>(node.size()));
  Node parsed = ParseNode(node, super.chunk_tree.logical, super);
  ASSERT_GT(parsed.Items(), 0U);
  EXPECT_EQ(parsed.Level(), super.chunk_tree.level);
  EXPECT_EQ(parsed.KeyAt(parsed.Items() - 1).type, item::kChunkItem);  // after the DEV_ITEMs
  EXPECT_THROW(ParseNode(node, super.chunk_tree.logical + super.node_size, super), BtrfsError);
  node[200] ^= 0x40;
  EXPECT_THROW(ParseNode(node, super.chunk_tree.logical, super), BtrfsError);
}

TEST(BtrfsFixture, ReadsCompressedInlineSparseAndLinkedFiles) {
  UniqueFd fd = FixtureImage();
  SourceSpec spec;
  spec.image = "/proc/self/fd/" + std::to_string(fd.Get());
  RuleSet rules = RuleSet::Parse("/ R\n", "test");
  ScanOutput output = ScanSource(spec, rules, ScanOptions{});
  EXPECT_NE(output.source.find(" (btrfs)"), std::string::npos) << output.source;
  std::map<std::string, const FileRecord*> by_path;
  for (const FileRecord& record : output.records) by_path[record.path] = &record;
  auto digest_of = [&](const std::string& path) {
    EXPECT_TRUE(by_path.count(path)) << path;
    if (!by_path.count(path)) return std::string();
    EXPECT_EQ(by_path[path]->error, "") << path;
    return by_path[path]->digests[0];
  };
  for (const char* method : {"zstd", "lzo", "zlib"}) {
    EXPECT_EQ(digest_of(std::string("/seq-") + method + ".txt"), Sha256(Numbers(30000))) << method;
  }
  EXPECT_EQ(digest_of("/inline-zstd.txt"), Sha256(Numbers(200)));
  EXPECT_EQ(digest_of("/sparse"), Sha256(std::string(1 << 20, '\0') + Numbers(1000)));
  EXPECT_EQ(digest_of("/dir/f2"), Sha256("file 2\n"));
  ASSERT_TRUE(by_path.count("/dir/f2"));
  EXPECT_EQ(by_path["/dir/f2"]->permissions, 0640U);
  ASSERT_TRUE(by_path.count("/link"));
  EXPECT_EQ(by_path["/link"]->type, FileType::kSymlink);
  EXPECT_EQ(by_path["/link"]->link_target, "seq-lzo.txt");
  EXPECT_EQ(by_path["/seq-zstd.txt"]->xattrs.at("user.fixture"), "value");
  EXPECT_EQ(by_path["/"]->inode, 256U);
  EXPECT_EQ(by_path["/dir"]->type, FileType::kDirectory);
}

}  // namespace
}  // namespace virdomm::monitor::btrfs
