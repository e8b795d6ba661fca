// Where the hook's messages go: syslog (LOG_DAEMON, ident virdomm-hook) in production, a list
// in tests. Never stdout: libvirt may take the hook's output as domain XML.
#pragma once

#include <string>
#include <vector>

namespace virdomm {

enum class LogLevel { kInfo, kWarning, kError };

class HookLog {
 public:
  virtual ~HookLog() = default;
  virtual void Write(LogLevel level, const std::string& message) = 0;
};

// Opens syslog with ident "virdomm-hook" for the object's lifetime.
class SyslogHookLog final : public HookLog {
 public:
  SyslogHookLog();
  SyslogHookLog(const SyslogHookLog&) = delete;
  SyslogHookLog& operator=(const SyslogHookLog&) = delete;
  ~SyslogHookLog() override;
  void Write(LogLevel level, const std::string& message) override;
};

// Keeps messages for tests.
class MemoryHookLog final : public HookLog {
 public:
  void Write(LogLevel level, const std::string& message) override {
    entries.push_back({level, message});
  }
  struct Entry {
    LogLevel level;
    std::string message;
  };
  std::vector<Entry> entries;
};

}  // namespace virdomm
