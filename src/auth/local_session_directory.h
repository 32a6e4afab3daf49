// LocalSessionDirectory: SessionDirectory over this process's SessionTable (one hub
// per broker; restart survival through the state journal, which reads the table).
// Never fails. Thread-safe.
#pragma once

#include "auth/session_directory.h"
#include "auth/session_table.h"

namespace iothub::auth {

class LocalSessionDirectory final : public SessionDirectory {
 public:
  // `table` must outlive the directory.
  explicit LocalSessionDirectory(SessionTable& table) : table_(table) {}

  absl::StatusOr<AdmitOutcome> Admit(std::string_view clientid,
                                     std::shared_ptr<const Principal> principal,
                                     UnixMillis now) override {
    return table_.Admit(clientid, std::move(principal), now) ==
                   SessionTable::AdmitOutcome::kAdmitted
               ? AdmitOutcome::kAdmitted
               : AdmitOutcome::kHeldByAnother;
  }
  absl::StatusOr<std::shared_ptr<const Principal>> Find(std::string_view clientid) override {
    return table_.Find(clientid);
  }
  absl::Status Connected(std::string_view clientid, UnixMillis now) override {
    table_.Connected(clientid, now);
    return absl::OkStatus();
  }
  absl::StatusOr<int> Disconnected(std::string_view clientid, UnixMillis now) override {
    return table_.Disconnected(clientid, now);
  }

 private:
  SessionTable& table_;
};

}  // namespace iothub::auth
