// QR labels for claim codes (`iot-hub device label`): the claim URI of a device encoded
// with libqrencode (error correction M, 8-bit mode) and drawn as terminal text, SVG or
// PNG (libpng). A quiet zone of 4 modules surrounds the code, as the standard asks.
// Pure functions; thread-safe (libqrencode keeps no shared state).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace iothub::app {

// The modules of a QR code, row by row; true is dark.
struct QrMatrix {
  int size = 0;
  std::vector<bool> dark;
  bool at(int x, int y) const { return dark[static_cast<std::size_t>(y * size + x)]; }
};

// Encodes `text`; InvalidArgument when libqrencode cannot (empty or too long).
absl::StatusOr<QrMatrix> EncodeQr(std::string_view text);

// Two module rows per text line with the half-block characters, dark on light, for a
// terminal (UTF-8).
std::string QrToText(const QrMatrix& qr);
// A standalone SVG, one path of dark squares, 8 user units per module.
std::string QrToSvg(const QrMatrix& qr);
// A grayscale PNG, 8 pixels per module; Internal if libpng fails.
absl::StatusOr<std::string> QrToPng(const QrMatrix& qr);

}  // namespace iothub::app
