// `iot-hub ca ...`: the hub's certificate authorities in <data_dir>/ca/.
//   ca init [--key-type ec-p256|ec-p384|rsa-3072]   create the CA (never replaces one)
//   ca show [--bundle]                               the signing CA's certificate (PEM), or
//                                                    every trusted CA's (a broker's cafile)
//   ca status                                        every CA, its expiry and dependants
//   ca rotate [--key-type T]                         a new CA signs from now on
//   ca retire ID [--force]                           stop trusting a CA
//   ca crl [--out F]                                 print or write the CRLs (PEM)
//   ca issue-server --san S... [--cn N] [--days N] --out-cert F --out-key F
//   ca issue-client --cn N [--days N] --out-cert F --out-key F
// Keys are written with mode 0600. Thread-compatible (main thread).
#pragma once

#include <string>
#include <vector>

#include "app/config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace iothub::app {

class CaCommand {
 public:
  // Adds `ca` and its subcommands to `app`. `app` must outlive this object.
  explicit CaCommand(CLI::App& app);

  // True when the command line named a `ca` subcommand.
  bool parsed() const;

  // Runs it; returns the exit status.
  int Run(const Config& config);

 private:
  int Init(const Config& config);
  int Show(const Config& config);
  int Crl(const Config& config);
  int Status(const Config& config);
  int Rotate(const Config& config);
  int Retire(const Config& config);
  int Issue(const Config& config, bool server);

  CLI::App* ca_ = nullptr;
  CLI::App* init_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* crl_ = nullptr;
  CLI::App* status_ = nullptr;
  CLI::App* rotate_ = nullptr;
  CLI::App* retire_ = nullptr;
  CLI::App* issue_server_ = nullptr;
  CLI::App* issue_client_ = nullptr;

  bool json_ = false;
  bool bundle_ = false;
  bool force_ = false;
  std::string ca_id_;
  std::string key_type_;
  std::string out_;
  std::vector<std::string> sans_;
  std::string common_name_;
  int days_ = 0;  // when --days is given; else config ca.default_days
  std::string out_cert_;
  std::string out_key_;
};

}  // namespace iothub::app
