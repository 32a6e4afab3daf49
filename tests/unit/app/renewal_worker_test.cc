// RenewalWorker on a real SQLite store and CA, with a recording broker link: what the
// hook path drops at once, what the worker answers on the reply topic, the rate limit,
// the bounded queue, and the end of a grace when the successor logs in.
#include "app/renewal_worker.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "registry/ca_keyring.h"
#include "registry/data_layout.h"
#include "registry/registry.h"
#include "store/sqlite_store.h"
#include "support/temp_dir.h"

namespace iothub::app {
namespace {

using namespace std::chrono_literals;

// A broker link that records what it was asked to publish.
class RecordingLink final : public mqtt::MessageLink {
 public:
  bool connected() const override { return true; }
  absl::Status Publish(std::string_view topic, std::string_view payload, int qos) override {
    std::lock_guard lock(mutex_);
    published_.emplace_back(std::string(topic), nlohmann::json::parse(payload));
    return absl::OkStatus();
  }
  // The replies so far, waiting up to 10 s for at least `count`.
  std::vector<std::pair<std::string, nlohmann::json>> Wait(std::size_t count) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mutex_);
        if (published_.size() >= count) return published_;
      }
      std::this_thread::sleep_for(20ms);
    }
    std::lock_guard lock(mutex_);
    return published_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<std::string, nlohmann::json>> published_;
};

// A CSR for a fresh EC P-256 key, as a device makes one.
std::string NewCsr() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509_REQ* req = X509_REQ_new();
  X509_REQ_set_pubkey(req, key);
  X509_REQ_sign(req, key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(bio, req);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  X509_REQ_free(req);
  EVP_PKEY_free(key);
  return pem;
}

class RenewalWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(SystemClock().NowUnixMillis());
    auto store = store::SqliteStore::Open(registry::DatabasePath(dir_.path() / "data").string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto cas = registry::CaKeyring::Open(dir_.path() / "data", crypto::KeyType::kEcP256,
                                         clock_.NowUnixMillis(), /*create_if_missing=*/true);
    ASSERT_TRUE(cas.ok()) << cas.status();
    cas_ = *std::move(cas);
    registry_ = std::make_unique<registry::Registry>(*store_, *cas_, clock_, std::vector<Plan>{});
    ASSERT_TRUE(registry_->devices().CreateDevice({.id = "d1"}, "test").ok());
    auto first =
        registry_->certificates().SignCsr({.device_id = "d1", .csr_pem = NewCsr()}, "test");
    ASSERT_TRUE(first.ok()) << first.status();
    first_ = *first;
    device_.kind = PrincipalKind::kDevice;
    device_.id = device_.clientid = "d1";
    device_.certificate_fingerprint = first_.fingerprint;
  }

  std::unique_ptr<RenewalWorker> MakeWorker(std::size_t queue_capacity = 64) {
    return std::make_unique<RenewalWorker>(registry_->renewal(), &link_, metrics_, throttle_,
                                           clock_,
                                           RenewalOptions{.days = 30,
                                                          .grace = 3600s,
                                                          .min_interval = 300s,
                                                          .queue_capacity = queue_capacity,
                                                          .sweep_every = 50ms});
  }
  static std::string Request(const std::string& id, const std::string& csr) {
    return nlohmann::json{{"id", id}, {"csr", csr}}.dump();
  }

  iothub::testing::TempDir dir_;
  ManualClock clock_;
  Metrics metrics_;
  LogThrottle throttle_{{}, clock_, metrics_};
  RecordingLink link_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<registry::CaKeyring> cas_;
  std::unique_ptr<registry::Registry> registry_;
  Certificate first_;
  Principal device_;
};

// Someone else's request, or one too large, is dropped on the hook path, unanswered.
TEST_F(RenewalWorkerTest, DropsWhatItCannotAnswer) {
  auto worker = MakeWorker();
  worker->Start();
  EXPECT_EQ(worker->Submit(&device_, "d2", Request("r1", NewCsr())), "renewal_not_own_topic");
  Principal user = device_;
  user.kind = PrincipalKind::kUser;
  EXPECT_EQ(worker->Submit(&user, "d1", Request("r1", NewCsr())), "renewal_not_own_topic");
  EXPECT_EQ(worker->Submit(nullptr, "d1", Request("r1", NewCsr())), "renewal_not_own_topic");
  EXPECT_EQ(worker->Submit(&device_, "d1", std::string(21 * 1024, '{')), "renewal_too_large");
  RenewalWorker no_link(registry_->renewal(), nullptr, metrics_, throttle_, clock_, {});
  EXPECT_EQ(no_link.Submit(&device_, "d1", Request("r1", NewCsr())), "renewal_no_link");
  worker->Stop();
  EXPECT_TRUE(link_.Wait(0).empty());
}

// A valid request is answered with the certificate; the next one within the interval
// with rate_limited; the successor's login ends the grace.
TEST_F(RenewalWorkerTest, RenewsThenLimitsThenEndsTheGrace) {
  auto worker = MakeWorker();
  worker->Start();
  ASSERT_EQ(worker->Submit(&device_, "d1", Request("r1", NewCsr())), "queued");
  auto replies = link_.Wait(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].first, "devices/d1/cert/renew/reply");
  const nlohmann::json& reply = replies[0].second;
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  EXPECT_EQ(reply["id"], "r1");
  EXPECT_EQ(reply["result"]["graceUntil"], clock_.NowUnixMillis() + 3'600'000);
  const std::string renewed = reply["result"]["fingerprint"];
  EXPECT_EQ(store_->GetCurrentCertificate("d1")->fingerprint, renewed);
  EXPECT_EQ(store_->GetCertificateByFingerprint(first_.fingerprint)->revoked_at, std::nullopt);

  ASSERT_EQ(worker->Submit(&device_, "d1", Request("r2", NewCsr())), "queued");
  replies = link_.Wait(2);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[1].second["error"]["code"], "rate_limited") << replies[1].second.dump();
  EXPECT_EQ(replies[1].second["id"], "r2");

  worker->OnSuccessorLogin("d1");
  bool superseded = false;
  for (int i = 0; i < 250 && !superseded; ++i) {
    std::this_thread::sleep_for(20ms);
    superseded = store_->GetCertificateByFingerprint(first_.fingerprint)->revoked_at.has_value();
  }
  EXPECT_TRUE(superseded);
  EXPECT_EQ(store_->GetCertificateByFingerprint(first_.fingerprint)->revocation_reason,
            "superseded");
}

// Refusals carry their code: bad JSON (id null), a CSR that is not one.
TEST_F(RenewalWorkerTest, RefusalsHaveCodes) {
  auto worker = MakeWorker();
  worker->Start();
  ASSERT_EQ(worker->Submit(&device_, "d1", "not json"), "queued");
  auto replies = link_.Wait(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].second["error"]["code"], "bad_request");
  EXPECT_TRUE(replies[0].second["id"].is_null());

  clock_.Advance(301s);  // past the rate limit
  ASSERT_EQ(worker->Submit(&device_, "d1", Request("r3", "-----BEGIN CERTIFICATE REQUEST-----")),
            "queued");
  replies = link_.Wait(2);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[1].second["error"]["code"], "csr_invalid") << replies[1].second.dump();
}

// The queue is bounded: when it is full, a request is dropped at once.
TEST_F(RenewalWorkerTest, FullQueueDrops) {
  auto worker = MakeWorker(/*queue_capacity=*/1);  // not started: nothing drains it
  Principal other = device_;
  other.id = other.clientid = "d9";
  EXPECT_EQ(worker->Submit(&device_, "d1", Request("r1", NewCsr())), "queued");
  EXPECT_EQ(worker->Submit(&other, "d9", Request("r1", NewCsr())), "renewal_busy");
}

}  // namespace
}  // namespace iothub::app
