// The console's read endpoints: /api/fleet/* (overview, device search and paging, one
// device, revoke, certificates by expiry), GET /api/audit and GET /api/rpc/methods --
// who may call them, what they answer and how they refuse bad parameters.
#include "model/fingerprint_text.h"
#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

class FleetRoutesTest : public ApiTest {
 protected:
  FleetRoutesTest() {
    // The snapshot straight from the store, so that every request sees the last change.
    index_ = std::make_unique<FleetIndex>([this]() -> std::shared_ptr<const FleetSnapshot> {
      auto fleet = store_->LoadFleet();
      EXPECT_TRUE(fleet.ok()) << fleet.status();
      return fleet.ok() ? *fleet : std::make_shared<FleetSnapshot>();
    });
    Start({"127.0.0.1"}, [this](ApiContext& context) {
      context.fleet = index_.get();
      context.device_online = [this](std::string_view id) {
        return online_.contains(std::string(id));
      };
      context.online_devices = [this] {
        return std::vector<std::string>(online_.begin(), online_.end());
      };
    });
  }

  // A device with a certificate signed now (valid for the CA's default period).
  void MakeCertifiedDevice(const std::string& id, const std::string& owner) {
    MakeDevice(id, owner);
    auto signed_cert =
        registry_->certificates().SignCsr({.device_id = id, .csr_pem = MakeCsr(id)}, "test");
    ASSERT_TRUE(signed_cert.ok()) << signed_cert.status();
  }

  std::unique_ptr<FleetIndex> index_;
  std::set<std::string> online_;
};

TEST_F(FleetRoutesTest, OnlyAdminsSeeTheFleet) {
  for (const std::string path :
       {"/api/fleet/overview", "/api/fleet/devices", "/api/fleet/certificates", "/api/audit"}) {
    EXPECT_EQ(Get(path, {}).status, 401) << path;
    EXPECT_EQ(Get(path, Alice()).status, 403) << path;
    EXPECT_EQ(Get(path, AdminToken()).status, 200) << path;
    EXPECT_EQ(Get(path, AdminJwt()).status, 200) << path;
  }
  MakeDevice("d1", alice_.id);
  EXPECT_EQ(Send("POST", "/api/fleet/devices/d1/revoke", Alice(), "").status, 403);
  EXPECT_EQ(Get("/api/fleet/devices/d1", Alice()).status, 403);
}

TEST_F(FleetRoutesTest, OverviewCountsTheFleet) {
  MakeCertifiedDevice("d1", alice_.id);
  MakeDevice("d2");
  MakeDevice("d3", bob_.id);
  ASSERT_TRUE(registry_->devices().RevokeDevice("d3", "test").ok());
  online_ = {"d1", "d3", "ghost"};  // a revoked device and an unknown one are not counted
  Answer answer = Get("/api/fleet/overview", AdminToken());
  ASSERT_EQ(answer.status, 200) << answer.text;
  EXPECT_EQ(answer.body["devices"],
            (json{{"total", 3}, {"unbound", 1}, {"bound", 1}, {"revoked", 1}}));
  EXPECT_EQ(answer.body["users"], 3);
  EXPECT_EQ(answer.body["onlineNow"], 1);
  EXPECT_EQ(answer.body["certificates"]["current"], 1);
  EXPECT_EQ(answer.body["certificates"]["expiringWithinDays"], 30);
}

TEST_F(FleetRoutesTest, DevicesAreSearchedFilteredAndPaged) {
  for (int i = 0; i < 12; ++i) {
    MakeDevice("sensor-" + std::string(i < 10 ? "0" : "") + std::to_string(i),
               i % 3 == 0 ? alice_.id : "");  // 4 bound: the free plan takes 5
  }
  MakeDevice("pump-1", bob_.id);
  online_ = {"sensor-00", "pump-1"};

  Answer page = Get("/api/fleet/devices?q=SENSOR&limit=5&page=2", AdminToken());
  ASSERT_EQ(page.status, 200) << page.text;
  EXPECT_EQ(page.body["total"], 12);
  ASSERT_EQ(page.body["devices"].size(), 5u);
  EXPECT_EQ(page.body["devices"][0]["id"], "sensor-05");  // sorted by id

  Answer by_owner = Get("/api/fleet/devices?q=" + bob_.id, AdminToken());
  ASSERT_EQ(by_owner.body["total"], 1);
  const json& pump = by_owner.body["devices"][0];
  EXPECT_EQ(pump["id"], "pump-1");
  EXPECT_EQ(pump["ownerId"], bob_.id);
  EXPECT_EQ(pump["online"], true);
  EXPECT_EQ(pump["status"], "bound");
  EXPECT_TRUE(pump["certificate"].is_null());
  EXPECT_TRUE(pump.contains("lastSeenAt"));

  EXPECT_EQ(Get("/api/fleet/devices?status=unbound", AdminToken()).body["total"], 8);
  EXPECT_EQ(Get("/api/fleet/devices?online=true", AdminToken()).body["total"], 2);
  EXPECT_EQ(Get("/api/fleet/devices?online=false&q=sensor", AdminToken()).body["total"], 11);
  EXPECT_EQ(Get("/api/fleet/devices?q=nothing-like-this", AdminToken()).body["total"], 0);
  EXPECT_EQ(Get("/api/fleet/devices?q=sensor-00%09", AdminToken()).body["total"], 0);
  EXPECT_EQ(Get("/api/fleet/devices?q=R-0&status=bound", AdminToken()).body["total"], 4);
  // Past the last page: an empty page, the total still right.
  Answer past = Get("/api/fleet/devices?page=9&limit=100", AdminToken());
  EXPECT_EQ(past.body["devices"].size(), 0u);
  EXPECT_EQ(past.body["total"], 13);
}

TEST_F(FleetRoutesTest, BadListingParametersAre400) {
  for (const std::string& query : std::vector<std::string>{
           "status=lost", "online=yes", "limit=0", "limit=101", "page=0", "page=x",
           "q=" + std::string(65, 'a'), "status=bound&status=unbound"}) {
    Answer answer = Get("/api/fleet/devices?" + query, AdminToken());
    EXPECT_EQ(answer.status, 400) << query;
    EXPECT_EQ(Code(answer), "invalid_argument") << query;
  }
  EXPECT_EQ(Get("/api/fleet/certificates?state=old", AdminToken()).status, 400);
  EXPECT_EQ(Get("/api/audit?limit=0", AdminToken()).status, 400);
  EXPECT_EQ(Get("/api/audit?limit=501", AdminToken()).status, 400);
  EXPECT_EQ(Get("/api/fleet/devices/bad%20id", AdminToken()).status, 400);
  EXPECT_EQ(Get("/api/fleet/devices/nobody", AdminToken()).status, 404);
}

TEST_F(FleetRoutesTest, RevokingADeviceTakesItOffline) {
  MakeCertifiedDevice("d1", alice_.id);
  online_ = {"d1"};
  Answer before = Get("/api/fleet/devices/d1", AdminToken());
  ASSERT_EQ(before.status, 200) << before.text;
  EXPECT_EQ(before.body["device"]["online"], true);
  ASSERT_EQ(before.body["certificates"].size(), 1u);
  EXPECT_FALSE(before.body["certificates"][0].contains("clientCert"));
  EXPECT_TRUE(before.body["device"]["certificate"].is_object());

  Answer revoked = Send("POST", "/api/fleet/devices/d1/revoke", AdminToken(), "");
  ASSERT_EQ(revoked.status, 200) << revoked.text;
  EXPECT_EQ(revoked.body["device"]["status"], "revoked");
  Answer after = Get("/api/fleet/devices/d1", AdminToken());
  EXPECT_EQ(after.body["device"]["online"], false);    // the hub refuses all its traffic
  EXPECT_EQ(after.body["device"]["connected"], true);  // though the broker still holds it
  EXPECT_TRUE(after.body["device"]["certificate"].is_null());
  EXPECT_FALSE(after.body["certificates"][0]["revokedAt"].is_null());
  // Terminal: a second revoke is a conflict; an unknown device is 404.
  EXPECT_EQ(Send("POST", "/api/fleet/devices/d1/revoke", AdminToken(), "").status, 409);
  EXPECT_EQ(Send("POST", "/api/fleet/devices/zz/revoke", AdminToken(), "").status, 404);
  // The audit log shows it, newest first.
  Answer audit = Get("/api/audit?limit=1", AdminToken());
  ASSERT_EQ(audit.body["entries"].size(), 1u);
  EXPECT_EQ(audit.body["entries"][0]["action"], "device.revoke");
  EXPECT_EQ(audit.body["entries"][0]["target"], "d1");
  EXPECT_EQ(audit.body["entries"][0]["actor"], "admin-token");
}

TEST_F(FleetRoutesTest, CertificatesAreListedByStateAndDevice) {
  MakeCertifiedDevice("d1", alice_.id);
  MakeCertifiedDevice("d2", bob_.id);
  ASSERT_TRUE(registry_->devices().RevokeDevice("d2", "test").ok());
  Answer active = Get("/api/fleet/certificates", AdminToken());
  ASSERT_EQ(active.status, 200) << active.text;
  EXPECT_EQ(active.body["total"], 2);  // no filter: every state
  Answer revoked = Get("/api/fleet/certificates?state=revoked", AdminToken());
  ASSERT_EQ(revoked.body["total"], 1);
  EXPECT_EQ(revoked.body["certificates"][0]["deviceId"], "d2");
  EXPECT_TRUE(ParseFingerprint(revoked.body["certificates"][0]["fingerprint"].get<std::string>()));
  EXPECT_EQ(Get("/api/fleet/certificates?state=active&q=D1", AdminToken()).body["total"], 1);
  EXPECT_EQ(Get("/api/fleet/certificates?state=expired", AdminToken()).body["total"], 0);
}

TEST_F(FleetRoutesTest, WithoutAFleetViewTheFleetIs503) {
  Start({"127.0.0.1"});
  EXPECT_EQ(Get("/api/fleet/overview", AdminToken()).status, 503);
  EXPECT_EQ(Get("/api/fleet/devices", AdminToken()).status, 503);
}

TEST_F(FleetRoutesTest, TheMethodCatalogDescribesEveryMethod) {
  EXPECT_EQ(Get("/api/rpc/methods", {}).status, 401);
  Answer answer = Get("/api/rpc/methods", Alice());
  ASSERT_EQ(answer.status, 200) << answer.text;
  const json& methods = answer.body["methods"];
  ASSERT_EQ(methods.size(), 8u);
  EXPECT_EQ(methods[0]["name"], "getDeviceState");
  EXPECT_TRUE(methods[0]["fields"].empty());
  const json& irrigator = methods[7];
  EXPECT_EQ(irrigator["name"], "updateIrrigator");
  EXPECT_EQ(irrigator["fields"][0], (json{{"name", "id"},
                                          {"type", "string"},
                                          {"rule", "must be a non-empty string"},
                                          {"required", true}}));
  bool saw_mode = false;
  for (const json& field : irrigator["fields"]) {
    if (field["name"] != "mode") continue;
    saw_mode = true;
    EXPECT_EQ(field["type"], "enum");
    EXPECT_EQ(field["values"], (json{"on", "off", "auto", "preset"}));
  }
  EXPECT_TRUE(saw_mode);
}

}  // namespace
}  // namespace iothub::http::testing
