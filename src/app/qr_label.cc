#include "app/qr_label.h"

#include <png.h>
#include <qrencode.h>

#include <memory>

namespace iothub::app {
namespace {

constexpr int kQuietZone = 4;
constexpr int kPixelsPerModule = 8;

// Whether module (x, y) of the code with its quiet zone is dark.
bool DarkWithMargin(const QrMatrix& qr, int x, int y) {
  x -= kQuietZone;
  y -= kQuietZone;
  return x >= 0 && y >= 0 && x < qr.size && y < qr.size && qr.at(x, y);
}

void AppendToString(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(data), length);
}

}  // namespace

absl::StatusOr<QrMatrix> EncodeQr(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("nothing to encode");
  const std::string input(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeData(static_cast<int>(input.size()),
                        reinterpret_cast<const unsigned char*>(input.data()), 0, QR_ECLEVEL_M),
      &QRcode_free);
  if (!code) return absl::InvalidArgumentError("the text does not fit a QR code");
  QrMatrix qr;
  qr.size = code->width;
  qr.dark.resize(static_cast<std::size_t>(qr.size * qr.size));
  for (std::size_t i = 0; i < qr.dark.size(); ++i) qr.dark[i] = (code->data[i] & 1) != 0;
  return qr;
}

std::string QrToText(const QrMatrix& qr) {
  // Light is drawn as a full block so the code reads on dark terminals too.
  const int full = qr.size + 2 * kQuietZone;
  std::string out;
  for (int y = 0; y < full; y += 2) {
    for (int x = 0; x < full; ++x) {
      const bool top = DarkWithMargin(qr, x, y);
      const bool bottom = y + 1 < full && DarkWithMargin(qr, x, y + 1);
      if (top && bottom) {
        out += " ";
      } else if (top) {
        out += "\u2584";  // lower half light
      } else if (bottom) {
        out += "\u2580";  // upper half light
      } else {
        out += "\u2588";
      }
    }
    out += '\n';
  }
  return out;
}

std::string QrToSvg(const QrMatrix& qr) {
  const int full = qr.size + 2 * kQuietZone;
  const std::string side = std::to_string(full * kPixelsPerModule);
  std::string path;
  for (int y = 0; y < qr.size; ++y) {
    for (int x = 0; x < qr.size; ++x) {
      if (!qr.at(x, y)) continue;
      path +=
          "M" + std::to_string(x + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h1v1h-1z";
    }
  }
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + side + "\" height=\"" + side +
         "\" viewBox=\"0 0 " + std::to_string(full) + " " + std::to_string(full) +
         "\" shape-rendering=\"crispEdges\">\n<rect width=\"100%\" height=\"100%\" "
         "fill=\"#fff\"/>\n<path fill=\"#000\" d=\"" +
         path + "\"/>\n</svg>\n";
}

absl::StatusOr<std::string> QrToPng(const QrMatrix& qr) {
  const int side = (qr.size + 2 * kQuietZone) * kPixelsPerModule;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) return absl::InternalError("libpng: cannot create a writer");
  png_infop info = png_create_info_struct(png);
  std::string out;
  std::vector<png_byte> row(static_cast<std::size_t>(side));
  // libpng reports errors by longjmp; nothing here owns resources across it but png/info.
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return absl::InternalError("libpng: cannot write the image");
  }
  png_set_write_fn(png, &out, AppendToString, nullptr);
  png_set_IHDR(png, info, side, side, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      row[static_cast<std::size_t>(x)] =
          DarkWithMargin(qr, x / kPixelsPerModule, y / kPixelsPerModule) ? 0 : 255;
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace iothub::app
