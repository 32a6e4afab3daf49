#include "model/fleet_snapshot.h"

#include <cstring>

namespace iothub {

std::size_t FleetSnapshot::FingerprintHash::operator()(const Fingerprint& f) const {
  // A SHA-256 digest is already uniformly distributed: its first bytes are a good hash.
  std::size_t h;
  std::memcpy(&h, f.data(), sizeof h);
  return h;
}

void FleetSnapshot::AddDevice(DeviceRecord device) {
  std::string key = device.id;
  devices_.insert_or_assign(std::move(key), std::move(device));
}

void FleetSnapshot::AddCertificate(const Fingerprint& fingerprint, CertificateRecord certificate) {
  certificates_.insert_or_assign(fingerprint, std::move(certificate));
}

void FleetSnapshot::AddUser(UserRecord user) {
  if (!user.subject.empty()) user_id_by_subject_.insert_or_assign(user.subject, user.id);
  std::string key = user.id;
  users_.insert_or_assign(std::move(key), std::move(user));
}

const DeviceRecord* FleetSnapshot::FindDevice(std::string_view id) const {
  auto it = devices_.find(id);
  return it == devices_.end() ? nullptr : &it->second;
}

const CertificateRecord* FleetSnapshot::FindCertificate(const Fingerprint& fingerprint) const {
  auto it = certificates_.find(fingerprint);
  return it == certificates_.end() ? nullptr : &it->second;
}

const UserRecord* FleetSnapshot::FindUser(std::string_view id) const {
  auto it = users_.find(id);
  return it == users_.end() ? nullptr : &it->second;
}

const UserRecord* FleetSnapshot::FindUserBySubject(std::string_view subject) const {
  auto it = user_id_by_subject_.find(subject);
  return it == user_id_by_subject_.end() ? nullptr : FindUser(it->second);
}

}  // namespace iothub
