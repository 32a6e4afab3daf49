#include "auth/session_directory.h"

namespace iothub::auth {

void SessionDirectory::AdmitAsync(std::string_view clientid,
                                  std::shared_ptr<const Principal> principal, UnixMillis now,
                                  AdmitDone done) {
  done(Admit(clientid, std::move(principal), now));
}

void SessionDirectory::FindAsync(std::string_view clientid, FindDone done) { done(Find(clientid)); }

void SessionDirectory::ConnectedAsync(std::string_view clientid, UnixMillis now,
                                      ConnectedDone done) {
  done(Connected(clientid, now));
}

void SessionDirectory::DisconnectedAsync(std::string_view clientid, UnixMillis now,
                                         DisconnectedDone done) {
  done(Disconnected(clientid, now));
}

}  // namespace iothub::auth
