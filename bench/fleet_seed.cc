// fleet-seed: fills a hub data directory with a large, realistic fleet for benchmarks, and
// writes a hook-load fixture of real clients of that fleet.
//
//   fleet-seed --data-dir D --devices N --users M --signed K --fixture OUT.json
//              [--jwt-secret S] [--plan pro] [--fixture-users U] [--batch 10000]
//              [--postgres-url postgresql://...]
//
// What it writes, all through the Store (large transactions, --batch rows each):
//  - the CA in D/ca/ (created when missing, like `iot-hub ca init`);
//  - the registry in D/hub.db, or with --postgres-url in that PostgreSQL database
//    (migrated on open, as a hub does; the hubs sharing it need copies of D/ca/);
//  - M users: subject bench-user-<i>, email bench-user-<i>@bench.invalid, plan --plan;
//  - N devices bench-dev-<i>, each bound to user i % M (status bound, owner set), and one
//    current certificate per device. The first K devices get REAL certificates issued by
//    the CA (IssueClientCertificate, CN device-<id>), stored as the registry stores them
//    (uppercase colon fingerprint, serial, PEMs, validity). The others get synthetic
//    certificate rows: a random 32-byte fingerprint, a unique serial, and by default a
//    placeholder PEM of a real certificate's length (--synthetic-pem none: empty), so
//    that the database and the registry have their real size without signing a million
//    certificates. Synthetic certificates can never authenticate.
//
// The fixture (hook-load --fixture) uses only real credentials:
//  - clients: the K signed devices (clientid = device id, username = base64 of the DER,
//    kind device) and the users that own them, at most --fixture-users (clientid
//    bench-app-<i>, username jwt, password an HS256 JWT signed with --jwt-secret, sub =
//    the user's subject, exp in 2100, kind user);
//  - authorize: devices publishing their telemetry/status/attributes/rpc/response and
//    subscribing users/+/devices/{d}/rpc/request; users publishing rpc/request to their
//    own devices and subscribing users/{u}/devices/+/telemetry and .../+/rpc/response;
//  - publish: one RPC request per (fixture user, signed device) pair, every method of the
//    catalog with valid params (checked against rpc::ValidateParams) and a unique id,
//    each followed later in the list by its device's response (same id). hook-load's rpc
//    mode reuses these pairs as templates with a fresh id per call.
// Every fixture client must be authenticated and connected before authorize and publish
// mean anything: run hook-load with --prime.
//
// Exit status: 0 done, 1 failure, 2 usage. Prints one JSON summary line on stdout.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/clock.h"
#include "crypto/base64.h"
#include "crypto/certificate_authority.h"
#include "crypto/fingerprint.h"
#include "fleet_seed_rpc_examples.h"
#include "model/certificate.h"
#include "model/device.h"
#include "model/user.h"
#include "registry/ca_files.h"
#include "registry/ca_keyring.h"
#include "registry/data_layout.h"
#include "registry/uuid.h"
#include "rpc/method_catalog.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace {

using namespace iothub;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;
using bench::RpcExample;
using bench::RpcExamples;

struct Options {
  std::string data_dir;
  std::string postgres_url;
  long devices = 1000;
  long users = 100;
  long signed_devices = 200;
  std::string fixture;
  std::string jwt_secret;
  std::string plan = "pro";
  long fixture_users = 1000;
  long batch = 10000;
  int days = 3650;
  std::string synthetic_pem = "full";
  std::string key_type = "ec-p256";
};

[[noreturn]] void Die(const std::string& what, const absl::Status& status = absl::OkStatus()) {
  std::cerr << "fleet-seed: " << what;
  if (!status.ok()) std::cerr << ": " << status.ToString();
  std::cerr << "\n";
  std::exit(1);
}

template <typename T>
T Must(absl::StatusOr<T> value, const std::string& what) {
  if (!value.ok()) Die(what, value.status());
  return *std::move(value);
}

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

std::string DeviceId(long i) {
  char id[32];
  std::snprintf(id, sizeof(id), "bench-dev-%07ld", i);
  return id;
}

std::string Subject(long i) { return "bench-user-" + std::to_string(i); }

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    Die("RAND_bytes failed");
  }
  return bytes;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// ---- JWT (HS256), signed here with OpenSSL so the bench needs nothing from src/auth ----

std::string Base64Url(std::string_view data) {
  std::string text = crypto::Base64Encode(data);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::string SignHs256(const json& payload, const std::string& secret) {
  const std::string signing_input =
      Base64Url(json{{"alg", "HS256"}, {"typ", "JWT"}}.dump()) + "." + Base64Url(payload.dump());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
           &mac_size) == nullptr) {
    Die("HMAC-SHA256 failed");
  }
  return signing_input + "." +
         Base64Url(std::string_view(reinterpret_cast<const char*>(mac), mac_size));
}

// A placeholder certificate PEM of `size` bytes: PEM armour around base64 lines that
// decode to zeros (not a certificate; synthetic rows are never used to authenticate).
std::string PlaceholderPem(size_t size) {
  const std::string head = "-----BEGIN CERTIFICATE-----\n";
  const std::string tail = "-----END CERTIFICATE-----\n";
  std::string pem = head;
  size_t body = size > head.size() + tail.size() ? size - head.size() - tail.size() : 4;
  while (body > 0) {
    const size_t line = std::min<size_t>(body > 1 ? body - 1 : 1, 64);
    pem.append(line, 'A');
    pem.push_back('\n');
    body -= std::min(body, line + 1);
  }
  return pem + tail;
}

// The database's size on disk, with its write-ahead log.
std::uintmax_t DatabaseBytes(const std::filesystem::path& db) {
  std::uintmax_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code error;
    const std::uintmax_t size = std::filesystem::file_size(db.string() + suffix, error);
    if (!error) total += size;
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Seeds a hub data directory with a benchmark fleet and writes a hook-load fixture"};
  Options o;
  app.add_option("--data-dir", o.data_dir, "the hub's data directory")->required();
  app.add_option("--postgres-url", o.postgres_url,
                 "seed this PostgreSQL database instead of <data-dir>/hub.db");
  app.add_option("--devices", o.devices, "devices N")->check(CLI::Range(0L, 100'000'000L));
  app.add_option("--users", o.users, "users M")->check(CLI::Range(1L, 10'000'000L));
  app.add_option("--signed", o.signed_devices, "devices with a real CA-issued certificate K")
      ->check(CLI::Range(0L, 10'000'000L));
  app.add_option("--fixture", o.fixture, "hook-load fixture to write")->required();
  app.add_option("--jwt-secret", o.jwt_secret,
                 "HS256 secret for the users' JWTs (the hub's jwt.hs256_secret); "
                 "without it the fixture has no users");
  app.add_option("--plan", o.plan, "plan of the users");
  app.add_option("--fixture-users", o.fixture_users, "most users in the fixture")
      ->check(CLI::Range(0L, 10'000'000L));
  app.add_option("--batch", o.batch, "rows per transaction")->check(CLI::Range(1L, 10'000'000L));
  app.add_option("--days", o.days, "validity of the real certificates")->check(CLI::Range(1, 3650));
  app.add_option("--synthetic-pem", o.synthetic_pem,
                 "PEM of synthetic certificate rows: full (placeholder of a real size) or none")
      ->check(CLI::IsMember({"full", "none"}));
  app.add_option("--ca-key-type", o.key_type, "key type of a new CA")
      ->check(CLI::IsMember({"ec-p256", "ec-p384", "rsa-3072"}));
  CLI11_PARSE(app, argc, argv);
  // stdout carries only the JSON summary: the library's logs ("created a new CA") go to
  // stderr.
  spdlog::set_default_logger(spdlog::stderr_color_mt("fleet-seed"));
  o.signed_devices = std::min(o.signed_devices, o.devices);

  const auto start = SteadyClock::now();
  SystemClock clock;
  const UnixMillis now = clock.NowUnixMillis();
  const std::filesystem::path data_dir = o.data_dir;
  std::filesystem::create_directories(data_dir);

  // The CA, then the store (which must be empty: seeding is not idempotent).
  const auto key_type = registry::ParseKeyType(o.key_type);
  const std::unique_ptr<registry::CaKeyring> cas =
      Must(registry::CaKeyring::Open(data_dir, *key_type, now, /*create_if_missing=*/true),
           "cannot load or create the CA in " + registry::CaDirectory(data_dir).string());
  const crypto::CertificateAuthority& ca = *Must(cas->SigningCa(), "no signing CA");
  std::unique_ptr<store::Store> db;
  if (o.postgres_url.empty()) {
    db = Must(store::SqliteStore::Open(registry::DatabasePath(data_dir).string()),
              "cannot open " + registry::DatabasePath(data_dir).string());
  } else {  // the store's errors never spell the URL's password
    db = Must(store::PostgresStore::Open(o.postgres_url), "cannot open the PostgreSQL store");
  }
  const std::int64_t existing_devices = Must(db->CountDevices(std::nullopt), "count devices");
  const std::int64_t existing_users = Must(db->CountUsers(), "count users");
  if (existing_devices != 0 || existing_users != 0) {
    Die(o.data_dir + " already holds " + std::to_string(existing_devices) + " devices and " +
        std::to_string(existing_users) + " users; seed an empty data dir");
  }

  // A reference certificate: the size of the placeholder PEMs and the public key that
  // synthetic devices carry (never stored as a certificate).
  const crypto::IssuedKeyPair reference =
      Must(ca.IssueClientCertificate("device-bench-reference", o.days, now), "issue a certificate");
  const std::string placeholder_pem =
      o.synthetic_pem == "full" ? PlaceholderPem(reference.certificate.pem.size()) : "";

  // ---- Users ----
  std::vector<std::string> user_ids;
  user_ids.reserve(o.users);
  const auto users_start = SteadyClock::now();
  for (long first = 0; first < o.users; first += o.batch) {
    const long last = std::min(o.users, first + o.batch);
    const absl::Status status = db->RunInTransaction([&](store::Store& tx) -> absl::Status {
      for (long i = first; i < last; ++i) {
        User user;
        user.id = Must(registry::NewUuidV4(), "uuid");
        user.subject = Subject(i);
        user.email = Subject(i) + "@bench.invalid";
        user.name = "Bench User " + std::to_string(i);
        user.role = Role::kUser;
        user.plan = o.plan;
        user.created_at = now;
        user.updated_at = now;
        if (absl::Status s = tx.CreateUser(user); !s.ok()) return s;
        user_ids.push_back(std::move(user.id));
      }
      return absl::OkStatus();
    });
    if (!status.ok())
      Die("cannot create users " + std::to_string(first) + ".." + std::to_string(last - 1), status);
    // Only the ids of committed users are kept (a failed batch exits above).
  }
  const double users_s = SecondsSince(users_start);

  // ---- Devices and certificates ----
  struct Signed {
    std::string device_id, username;  // username: base64 of the certificate's DER
    long owner = 0;                   // index of the owning user
  };
  std::vector<Signed> signed_devices;
  signed_devices.reserve(o.signed_devices);
  const auto devices_start = SteadyClock::now();
  double signing_s = 0;
  auto last_report = SteadyClock::now();
  for (long first = 0; first < o.devices; first += o.batch) {
    const long last = std::min(o.devices, first + o.batch);
    // Sign outside the transaction, so the write lock is held only for the inserts.
    std::vector<crypto::IssuedKeyPair> issued;
    const auto sign_start = SteadyClock::now();
    for (long i = first; i < std::min(last, o.signed_devices); ++i) {
      issued.push_back(Must(ca.IssueClientCertificate("device-" + DeviceId(i), o.days, now),
                            "issue a certificate for " + DeviceId(i)));
    }
    signing_s += SecondsSince(sign_start);
    std::vector<Signed> batch_signed;
    const absl::Status status = db->RunInTransaction([&](store::Store& tx) -> absl::Status {
      batch_signed.clear();
      for (long i = first; i < last; ++i) {
        const bool real = i < o.signed_devices;
        const long owner = i % o.users;
        Device device;
        device.id = DeviceId(i);
        device.model = "bench-model";
        device.owner_id = user_ids[owner];
        device.status = DeviceStatus::kBound;
        device.firmware_version = "1.0.0";
        device.created_at = now;
        device.public_key = real ? issued[i - first].certificate.public_key_pem
                                 : reference.certificate.public_key_pem;
        if (absl::Status s = tx.CreateDevice(device); !s.ok()) return s;

        Certificate certificate;
        certificate.id = Must(registry::NewUuidV4(), "uuid");
        certificate.device_id = device.id;
        certificate.ca_cert_pem = ca.ca_certificate_pem();
        certificate.created_at = now;
        if (real) {
          const crypto::IssuedCertificate& cert = issued[i - first].certificate;
          certificate.client_cert_pem = cert.pem;
          certificate.fingerprint = crypto::FormatFingerprint(cert.fingerprint);
          certificate.serial_number = cert.serial_hex;
          certificate.valid_from = cert.valid_from;
          certificate.valid_to = cert.valid_to;
          batch_signed.push_back({device.id, crypto::Base64Encode(cert.der), owner});
        } else {
          Fingerprint fingerprint;
          const std::string random = RandomBytes(fingerprint.size());
          std::copy(random.begin(), random.end(), fingerprint.begin());
          certificate.client_cert_pem = placeholder_pem;
          certificate.fingerprint = crypto::FormatFingerprint(fingerprint);
          // Unique by construction: the index, then random bytes (positive: top bit 0).
          char index[17];
          std::snprintf(index, sizeof(index), "%016lX", static_cast<unsigned long>(i));
          certificate.serial_number = "5E" + std::string(index) + Hex(RandomBytes(7));
          certificate.valid_from = reference.certificate.valid_from;
          certificate.valid_to = reference.certificate.valid_to;
        }
        if (absl::Status s = tx.InsertCertificate(certificate); !s.ok()) return s;
      }
      return absl::OkStatus();
    });
    if (!status.ok())
      Die("cannot create devices " + DeviceId(first) + ".." + DeviceId(last - 1), status);
    for (Signed& s : batch_signed) signed_devices.push_back(std::move(s));
    if (SecondsSince(last_report) > 10) {
      std::cerr << "fleet-seed: " << last << "/" << o.devices << " devices, "
                << static_cast<long>(last / SecondsSince(devices_start)) << "/s\n";
      last_report = SteadyClock::now();
    }
  }
  const double devices_s = SecondsSince(devices_start);

  // ---- The fixture ----
  json clients = json::array(), authorize = json::array(), publish = json::array();
  // Users in the fixture: owners of signed devices, by index, at most --fixture-users.
  std::vector<long> fixture_users;
  if (!o.jwt_secret.empty()) {
    for (long u = 0; u < std::min(o.users, o.signed_devices) &&
                     static_cast<long>(fixture_users.size()) < o.fixture_users;
         ++u) {
      fixture_users.push_back(u);
    }
  }
  const auto app_clientid = [](long u) { return "bench-app-" + std::to_string(u); };
  const std::string jwt_username = "jwt";
  std::vector<std::string> passwords(fixture_users.size());
  for (size_t k = 0; k < fixture_users.size(); ++k) {
    const long u = fixture_users[k];
    passwords[k] = SignHs256({{"sub", Subject(u)},
                              {"iat", now / 1000},
                              {"exp", 4102444800},  // 2100-01-01
                              {"email", Subject(u) + "@bench.invalid"}},
                             o.jwt_secret);
  }
  for (const Signed& d : signed_devices) {
    // cn/dn: the broker's proof of the key (the hub's CA issues CN=device-<id> only).
    clients.push_back({{"clientid", d.device_id},
                       {"username", d.username},
                       {"password", ""},
                       {"kind", "device"},
                       {"cn", "device-" + d.device_id},
                       {"dn", "CN=device-" + d.device_id}});
  }
  for (size_t k = 0; k < fixture_users.size(); ++k) {
    clients.push_back({{"clientid", app_clientid(fixture_users[k])},
                       {"username", jwt_username},
                       {"password", passwords[k]},
                       {"kind", "user"}});
  }

  // authorize: what each side does in a normal session (EMQX asks once per client and
  // topic; its cache answers repeats).
  const auto base_topic = [&](long owner, const std::string& device) {
    return "users/" + user_ids[owner] + "/devices/" + device;
  };
  for (const Signed& d : signed_devices) {
    const std::string base = base_topic(d.owner, d.device_id);
    for (const char* suffix : {"/telemetry", "/status", "/attributes", "/rpc/response"}) {
      authorize.push_back({{"clientid", d.device_id},
                           {"username", d.username},
                           {"topic", base + suffix},
                           {"type", "publish"}});
    }
    authorize.push_back({{"clientid", d.device_id},
                         {"username", d.username},
                         {"topic", "users/+/devices/" + d.device_id + "/rpc/request"},
                         {"type", "subscribe"}});
  }
  const long fixture_user_end = fixture_users.empty() ? 0 : fixture_users.back() + 1;
  for (long u : fixture_users) {
    const std::string prefix = "users/" + user_ids[u] + "/devices/";
    authorize.push_back({{"clientid", app_clientid(u)},
                         {"username", jwt_username},
                         {"topic", prefix + "+/telemetry"},
                         {"type", "subscribe"}});
    authorize.push_back({{"clientid", app_clientid(u)},
                         {"username", jwt_username},
                         {"topic", prefix + "+/rpc/response"},
                         {"type", "subscribe"}});
  }
  // Users publish requests to each of their signed devices (round-robin ownership: the
  // signed devices of user u are u, u + M, u + 2M, ...).
  std::vector<std::pair<long, const Signed*>> pairs;
  for (const Signed& d : signed_devices) {
    if (d.owner < fixture_user_end) pairs.push_back({d.owner, &d});
  }
  for (const auto& [u, d] : pairs) {
    authorize.push_back({{"clientid", app_clientid(u)},
                         {"username", jwt_username},
                         {"topic", base_topic(u, d->device_id) + "/rpc/request"},
                         {"type", "publish"}});
  }

  // publish: requests, then (half a list later) their responses, so that each response
  // follows its request even with many calls in flight.
  const std::vector<RpcExample> examples = RpcExamples(now);
  for (const RpcExample& e : examples) {
    if (absl::Status s = rpc::ValidateParams(e.method, e.params); !s.ok()) {
      Die(std::string("bench params of ") + e.method + " are invalid", s);
    }
  }
  json responses = json::array();
  for (size_t p = 0; p < pairs.size(); ++p) {
    const auto& [u, d] = pairs[p];
    const RpcExample& e = examples[p % examples.size()];
    const std::string id = Must(registry::NewUuidV4(), "uuid");
    json request = {{"id", id}, {"method", e.method}};
    if (!e.params.is_null()) request["params"] = e.params;
    request["timestamp"] = now;
    const std::string base = base_topic(u, d->device_id);
    publish.push_back(
        {{"topic", base + "/rpc/request"}, {"payload", request.dump()}, {"from", app_clientid(u)}});
    responses.push_back(
        {{"topic", base + "/rpc/response"},
         {"payload", json{{"id", id}, {"result", e.result}, {"timestamp", now}}.dump()},
         {"from", d->device_id}});
  }
  for (json& r : responses) publish.push_back(std::move(r));

  const json fixture = {
      {"generator", "fleet-seed"},
      {"data_dir", std::filesystem::absolute(data_dir).string()},
      {"fleet", {{"devices", o.devices}, {"users", o.users}, {"signed", o.signed_devices}}},
      {"clients", clients},
      {"authorize", authorize},
      {"publish", publish}};
  {
    std::ofstream out(o.fixture);
    out << fixture.dump() << "\n";
    if (!out) Die("cannot write " + o.fixture);
  }

  const double total_s = SecondsSince(start);
  const json summary = {{"data_dir", o.data_dir},
                        {"devices", o.devices},
                        {"users", o.users},
                        {"signed", o.signed_devices},
                        {"fixture", o.fixture},
                        {"fixture_clients", clients.size()},
                        {"fixture_devices", signed_devices.size()},
                        {"fixture_users", fixture_users.size()},
                        {"fixture_authorize", authorize.size()},
                        {"fixture_publish", publish.size()},
                        {"users_s", std::round(users_s * 100) / 100},
                        {"devices_s", std::round(devices_s * 100) / 100},
                        {"signing_s", std::round(signing_s * 100) / 100},
                        {"devices_per_s", devices_s > 0 ? std::round(o.devices / devices_s) : 0},
                        {"total_s", std::round(total_s * 100) / 100},
                        {"db_bytes", DatabaseBytes(registry::DatabasePath(data_dir))}};
  std::cout << summary.dump() << std::endl;
  if (o.jwt_secret.empty()) {
    std::cerr << "fleet-seed: no --jwt-secret: the fixture has no users\n";
  }
  return 0;
}
