#include "auth/jwks_source.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>
#include <utility>

namespace iothub::auth {
namespace {

std::int64_t SteadyMillis(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.SteadyNow().time_since_epoch())
      .count();
}

absl::StatusOr<std::string> ReadJwksFile(const std::string& path, std::size_t max_size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot open JWKS file " + path);
  std::string text;
  char buffer[8192];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    text.append(buffer, in.gcount());
    if (text.size() > max_size) return absl::InvalidArgumentError("JWKS file too large");
  }
  return text;
}

absl::StatusOr<std::string> FetchJwks(const JwksSourceOptions& options) {
  const std::string& url = options.url;
  const std::size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError("JWKS URL must be http:// or https://: " + url);
  }
  const std::size_t path_start = url.find('/', scheme_end + 3);
  const std::string base = url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client client(base);
  if (!client.is_valid()) return absl::InvalidArgumentError("bad JWKS URL " + url);
  const auto timeout = options.fetch_timeout;
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  client.enable_server_certificate_verification(true);
  if (!options.ca_file.empty()) client.set_ca_cert_path(options.ca_file.c_str());
#else
  if (scheme == "https") return absl::UnimplementedError("httplib built without TLS");
#endif
  std::size_t received = 0;
  std::string body;
  const auto result = client.Get(path, httplib::Headers{{"Accept", "application/json"}},
                                 [&](const char* data, std::size_t size) {
                                   received += size;
                                   if (received > options.max_size) return false;
                                   body.append(data, size);
                                   return true;
                                 });
  if (received > options.max_size) return absl::InvalidArgumentError("JWKS too large");
  if (!result) {
    return absl::UnavailableError("JWKS fetch " + url + ": " + httplib::to_string(result.error()));
  }
  if (result->status != 200) {
    return absl::UnavailableError("JWKS fetch " + url + ": HTTP " + std::to_string(result->status));
  }
  return body;
}

}  // namespace

absl::StatusOr<std::shared_ptr<JwksSource>> JwksSource::Create(JwksSourceOptions options,
                                                               const Clock* clock) {
  if (options.file.empty() == options.url.empty()) {
    return absl::InvalidArgumentError("JWKS: set exactly one of file and url");
  }
  std::shared_ptr<JwksSource> source(new JwksSource(std::move(options), clock));
  if (absl::Status status = source->Refresh(/*initial=*/true); !status.ok()) return status;
  source->worker_ = std::thread([raw = source.get()] { raw->Run(); });
  return source;
}

JwksSource::JwksSource(JwksSourceOptions options, const Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

JwksSource::~JwksSource() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void JwksSource::OnUnknownKid(std::string_view kid) const {
  // Lock-free gate first: floods of unknown kids cost one atomic load each.
  const std::int64_t now = SteadyMillis(*clock_);
  std::int64_t next = next_kid_refresh_ms_.load(std::memory_order_relaxed);
  if (now < next) return;
  if (!next_kid_refresh_ms_.compare_exchange_strong(next,
                                                    now + options_.refresh_interval.count())) {
    return;  // another thread won this window
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    refresh_requested_ = true;
  }
  wake_.notify_one();
}

absl::StatusOr<KeySet> JwksSource::Load() const {
  auto text =
      options_.file.empty() ? FetchJwks(options_) : ReadJwksFile(options_.file, options_.max_size);
  if (!text.ok()) return text.status();
  auto keys = KeySet::FromJwks(*text);
  if (!keys.ok()) return keys.status();
  for (const auto& line : keys->skipped()) spdlog::debug("JWKS skips {}", line);
  if (keys->empty()) return absl::InvalidArgumentError("JWKS has no usable signing key");
  return keys;
}

absl::Status JwksSource::Refresh(bool initial) {
  std::lock_guard<std::mutex> refresh_lock(refresh_mu_);
  auto keys = Load();
  absl::Status status = keys.status();
  if (keys.ok()) {
    keys_.Store(std::make_shared<const KeySet>(*std::move(keys)));
    ++loads_;
  } else {
    ++failures_;
    if (!initial)
      spdlog::warn("JWKS refresh failed, keeping the previous keys: {}", status.ToString());
  }
  std::lock_guard<std::mutex> lock(mu_);
  last_status_ = status;
  return status;
}

absl::Status JwksSource::last_status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_status_;
}

void JwksSource::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    const auto woken = [this] { return stop_ || refresh_requested_; };
    if (options_.periodic_refresh.count() > 0) {
      wake_.wait_for(lock, options_.periodic_refresh, woken);
    } else {
      wake_.wait(lock, woken);
    }
    if (stop_) break;
    refresh_requested_ = false;
    lock.unlock();
    RefreshNow().IgnoreError();
    lock.lock();
  }
}

}  // namespace iothub::auth
