// PNG and JPEG task images (io/image/RasterImage on libpng and libjpeg-turbo)
// read back what Qt's image writers wrote: grey, colour with alpha and
// 16-bit PNG exactly, JPEG within its quantisation; corrupt and truncated
// files are refused naming the file; a folder of them is a task set.
#include <gtest/gtest.h>

#include <QImage>

#include <cmath>
#include <fstream>
#include <iostream>

#include "analysis/prosthesis/Objective.h"
#include "io/image/RasterImage.h"
#include "tests/support/TestSupport.h"

namespace pr = nl::analysis::prosthesis;

namespace {

// A 40 × 24 grey gradient with a bright square: smooth for JPEG, exact for PNG.
QImage pattern() {
  QImage image(40, 24, QImage::Format_Grayscale8);
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) {
      const bool square = x >= 24 && x < 32 && y >= 8 && y < 16;
      image.scanLine(y)[x] = static_cast<uchar>(square ? 250 : 4 * x + 2 * y);
    }
  return image;
}

double expected(const QImage& image, int x, int y) {
  return image.constScanLine(y)[x] / 255.0;
}

std::string bytesOf(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST(ProsthesisImageFiles, PngWrittenByQtReadsBackExactly) {
  nl::test::TempDir dir;
  const QImage grey = pattern();
  ASSERT_TRUE(grey.save(QString::fromStdString((dir.path() / "grey.png").string()), "PNG"));
  const auto read = nl::io::readRasterImage(dir.path() / "grey.png");
  ASSERT_EQ(read.width, 40u);
  ASSERT_EQ(read.height, 24u);
  for (int y = 0; y < 24; ++y)
    for (int x = 0; x < 40; ++x)
      ASSERT_DOUBLE_EQ(read.pixels[static_cast<std::size_t>(y * 40 + x)], expected(grey, x, y))
          << x << "," << y;
  // Colour with alpha: an opaque white pixel, an opaque black one, a fully
  // transparent white one (composited over black).
  QImage rgba(3, 2, QImage::Format_ARGB32);
  rgba.fill(QColor(0, 0, 0, 255));
  rgba.setPixelColor(0, 0, QColor(255, 255, 255, 255));
  rgba.setPixelColor(2, 1, QColor(255, 255, 255, 0));
  ASSERT_TRUE(rgba.save(QString::fromStdString((dir.path() / "rgba.png").string()), "PNG"));
  const auto colour = nl::io::readRasterImage(dir.path() / "rgba.png");
  ASSERT_EQ(colour.pixels.size(), 6u);
  EXPECT_DOUBLE_EQ(colour.pixels[0], 1.0);
  EXPECT_DOUBLE_EQ(colour.pixels[1], 0.0);
  EXPECT_DOUBLE_EQ(colour.pixels[5], 0.0) << "transparent is black";
  // 16-bit grey: value / 65535, as a 16-bit PGM reads.
  QImage deep(4, 1, QImage::Format_Grayscale16);
  for (int x = 0; x < 4; ++x)
    reinterpret_cast<quint16*>(deep.scanLine(0))[x] = static_cast<quint16>(x * 21845);
  ASSERT_TRUE(deep.save(QString::fromStdString((dir.path() / "deep.png").string()), "PNG"));
  const auto sixteen = nl::io::readRasterImage(dir.path() / "deep.png");
  ASSERT_EQ(sixteen.pixels.size(), 4u);
  for (int x = 0; x < 4; ++x)
    EXPECT_NEAR(sixteen.pixels[static_cast<std::size_t>(x)], x / 3.0, 1e-12);
}

TEST(ProsthesisImageFiles, JpegWrittenByQtReadsBackWithinQuantisation) {
  nl::test::TempDir dir;
  const QImage grey = pattern();
  ASSERT_TRUE(grey.save(QString::fromStdString((dir.path() / "grey.jpg").string()), "JPEG", 95))
      << "Qt's JPEG plugin (qt6 imageformats) is missing";
  QImage colour = grey.convertToFormat(QImage::Format_RGB32);
  ASSERT_TRUE(
      colour.save(QString::fromStdString((dir.path() / "colour.jpeg").string()), "JPEG", 95));
  for (const char* name : {"grey.jpg", "colour.jpeg"}) {
    const auto read = nl::io::readRasterImage(dir.path() / name);
    ASSERT_EQ(read.width, 40u) << name;
    ASSERT_EQ(read.height, 24u) << name;
    double worst = 0, sum = 0;
    for (int y = 0; y < 24; ++y)
      for (int x = 0; x < 40; ++x) {
        const double e =
            std::abs(read.pixels[static_cast<std::size_t>(y * 40 + x)] - expected(grey, x, y));
        worst = std::max(worst, e);
        sum += e;
      }
    std::cout << "[image] " << name << ": mean error " << sum / 960 * 255 << "/255, worst "
              << worst * 255 << "/255\n";
    EXPECT_LT(sum / 960, 1.0 / 255) << name << ": mean error";
    EXPECT_LE(worst, 4.0 / 255) << name << ": quality 95 on a smooth image";
  }
}

TEST(ProsthesisImageFiles, CorruptAndTruncatedFilesAreRefusedNamingTheFile) {
  nl::test::TempDir dir;
  const QImage grey = pattern();
  ASSERT_TRUE(grey.save(QString::fromStdString((dir.path() / "whole.png").string()), "PNG"));
  ASSERT_TRUE(grey.save(QString::fromStdString((dir.path() / "whole.jpg").string()), "JPEG", 95));
  const std::string png = bytesOf(dir.path() / "whole.png"),
                    jpg = bytesOf(dir.path() / "whole.jpg");
  writeBytes(dir.path() / "cut.png", png.substr(0, png.size() / 2));
  writeBytes(dir.path() / "cut.jpg", jpg.substr(0, jpg.size() / 2));
  std::string flipped = png;
  flipped[flipped.size() / 2] =
      static_cast<char>(flipped[flipped.size() / 2] ^ 0x5a);  // IDAT CRC fails
  writeBytes(dir.path() / "flipped.png", flipped);
  writeBytes(dir.path() / "header.png", png.substr(0, 20));
  writeBytes(dir.path() / "text.png", "P5\n2 2\n255\n....");
  for (const char* name : {"cut.png", "cut.jpg", "flipped.png", "header.png", "text.png"}) {
    const auto path = dir.path() / name;
    try {
      (void)nl::io::readRasterImage(path);
      ADD_FAILURE() << name << " was read";
    } catch (const std::runtime_error& error) {
      const std::string what = error.what();
      std::cout << "[image] " << what << "\n";
      EXPECT_NE(what.find(path.string()), std::string::npos) << what;
    }
  }
  EXPECT_THROW((void)nl::io::readRasterImage(dir.path() / "absent.png"), std::runtime_error);
  // A folder: the two whole images are the task, the broken ones are skipped with their reasons.
  const auto grid = pr::VisualFieldGrid::square(8, 0.5);
  std::vector<std::string> skipped;
  const auto images = pr::readTaskImageFolder(dir.path(), grid, &skipped);
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[0].name, "whole.jpg");
  EXPECT_EQ(images[1].name, "whole.png");
  EXPECT_EQ(skipped.size(), 5u);
  // On the grid, the PNG's bright square is bright and the gradient dim.
  EXPECT_GT(images[1].pixels.maxCoeff(), 0.9);
  EXPECT_LT((images[0].pixels - images[1].pixels).cwiseAbs().mean(), 0.02) << "JPEG ≈ PNG";
}
