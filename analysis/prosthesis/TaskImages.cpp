// Task images: a built-in stroke font for letters and words (analysis/ has
// no Qt to render text), netpbm / .npy image files, the default letter set.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "analysis/prosthesis/Objective.h"
#include "io/image/RasterImage.h"
#include "io/readers/NpyReader.h"

namespace nl::analysis::prosthesis {

namespace {

// Glyphs on a 4 × 6 box (x right, y up, baseline 0, cap height 6), each a set
// of polylines "x,y x,y …" separated by '|'. Strokes only, like a plotter font.
const std::map<char, const char*>& strokeFont() {
  static const std::map<char, const char*> font{
      {'A', "0,0 2,6 4,0|0.7,2 3.3,2"},
      {'B', "0,0 0,6 3,6 4,5 4,4 3,3 0,3|3,3 4,2 4,1 3,0 0,0"},
      {'C', "4,5 3,6 1,6 0,5 0,1 1,0 3,0 4,1"},
      {'D', "0,0 0,6 2.5,6 4,4.5 4,1.5 2.5,0 0,0"},
      {'E', "4,6 0,6 0,0 4,0|0,3 3,3"},
      {'F', "4,6 0,6 0,0|0,3 3,3"},
      {'G', "4,5 3,6 1,6 0,5 0,1 1,0 3,0 4,1 4,3 2.5,3"},
      {'H', "0,0 0,6|4,0 4,6|0,3 4,3"},
      {'I', "1,6 3,6|2,6 2,0|1,0 3,0"},
      {'J', "4,6 4,1 3,0 1,0 0,1"},
      {'K', "0,0 0,6|4,6 0,2|1.3,3.2 4,0"},
      {'L', "0,6 0,0 4,0"},
      {'M', "0,0 0,6 2,3 4,6 4,0"},
      {'N', "0,0 0,6 4,0 4,6"},
      {'O', "1,0 0,1 0,5 1,6 3,6 4,5 4,1 3,0 1,0"},
      {'P', "0,0 0,6 3,6 4,5 4,4 3,3 0,3"},
      {'Q', "1,0 0,1 0,5 1,6 3,6 4,5 4,1 3,0 1,0|2.5,1.5 4,0"},
      {'R', "0,0 0,6 3,6 4,5 4,4 3,3 0,3|2,3 4,0"},
      {'S', "4,5 3,6 1,6 0,5 0,4 1,3 3,3 4,2 4,1 3,0 1,0 0,1"},
      {'T', "0,6 4,6|2,6 2,0"},
      {'U', "0,6 0,1 1,0 3,0 4,1 4,6"},
      {'V', "0,6 2,0 4,6"},
      {'W', "0,6 1,0 2,4 3,0 4,6"},
      {'X', "0,0 4,6|0,6 4,0"},
      {'Y', "0,6 2,3 4,6|2,3 2,0"},
      {'Z', "0,6 4,6 0,0 4,0"},
      {'0', "1,0 0,1 0,5 1,6 3,6 4,5 4,1 3,0 1,0|0,1 4,5"},
      {'1', "1,5 2,6 2,0|1,0 3,0"},
      {'2', "0,5 1,6 3,6 4,5 4,4 0,0 4,0"},
      {'3', "0,5 1,6 3,6 4,5 4,4 3,3 4,2 4,1 3,0 1,0 0,1|1.5,3 3,3"},
      {'4', "3,0 3,6 0,2 4,2"},
      {'5', "4,6 0,6 0,3.5 3,3.5 4,2.5 4,1 3,0 1,0 0,1"},
      {'6', "4,5 3,6 1,6 0,5 0,1 1,0 3,0 4,1 4,2 3,3 0,3"},
      {'7', "0,6 4,6 1.5,0"},
      {'8', "1,3 0,4 0,5 1,6 3,6 4,5 4,4 3,3 1,3 0,2 0,1 1,0 3,0 4,1 4,2 3,3"},
      {'9', "4,3 1,3 0,4 0,5 1,6 3,6 4,5 4,1 3,0 1,0 0,1"},
      {'.', "2,0 2,0.4"},
      {',', "2,0.5 1.5,-1"},
      {'-', "1,3 3,3"},
      {'\'', "2,6 2,4.5"},
      {'!', "2,6 2,1.8|2,0 2,0.4"},
      {'?', "0,5 1,6 3,6 4,5 4,4 2,2.8 2,1.8|2,0 2,0.4"},
      {' ', ""},
  };
  return font;
}

struct Segment {
  double x0, y0, x1, y1;
};

std::vector<Segment> layoutText(const std::string& text, double height, double cx, double cy) {
  const auto& font = strokeFont();
  const double scale = height / 6.0;
  const double advance = 6.0 * scale;  // 4 wide + 2 space
  const double total = text.empty() ? 0 : (static_cast<double>(text.size()) * 6.0 - 2.0) * scale;
  std::vector<Segment> out;
  double left = cx - total / 2;
  for (char raw : text) {
    const char ch = static_cast<char>(std::toupper(static_cast<unsigned char>(raw)));
    const auto found = font.find(ch);
    if (found == font.end())
      throw std::invalid_argument(std::string("the stroke font has no glyph for '") + raw + "'");
    std::stringstream strokes(found->second);
    std::string stroke;
    while (std::getline(strokes, stroke, '|')) {
      std::stringstream points(stroke);
      std::string point;
      bool first = true;
      double px = 0, py = 0;
      while (points >> point) {
        const auto comma = point.find(',');
        const double x = left + std::stod(point.substr(0, comma)) * scale;
        const double y = cy - height / 2 + std::stod(point.substr(comma + 1)) * scale;
        if (!first) out.push_back({px, py, x, y});
        if (first && stroke.find(' ') == std::string::npos) out.push_back({x, y, x, y});
        px = x;
        py = y;
        first = false;
      }
    }
    left += advance;
  }
  return out;
}

double segmentDistance(const Segment& s, double x, double y) {
  const double dx = s.x1 - s.x0, dy = s.y1 - s.y0;
  const double len2 = dx * dx + dy * dy;
  const double t =
      len2 > 0 ? std::clamp(((x - s.x0) * dx + (y - s.y0) * dy) / len2, 0.0, 1.0) : 0.0;
  return std::hypot(x - (s.x0 + t * dx), y - (s.y0 + t * dy));
}

// Deterministic uniform numbers from a 64-bit seed (splitmix64): the same
// sequence on every standard library.
struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

Image readNetpbm(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open");
  std::string magic;
  in >> magic;
  if (magic != "P2" && magic != "P3" && magic != "P5" && magic != "P6")
    throw std::runtime_error(path.string() + ": not a PGM/PPM file (magic '" + magic + "')");
  auto number = [&](const char* what) {
    in >> std::ws;
    while (in.peek() == '#') {
      std::string comment;
      std::getline(in, comment);
      in >> std::ws;
    }
    long value = -1;
    if (!(in >> value) || value <= 0)
      throw std::runtime_error(path.string() + ": bad netpbm " + std::string(what));
    return value;
  };
  const long width = number("width"), height = number("height"), maxValue = number("maximum");
  if (width > 20000 || height > 20000 || maxValue > 65535)
    throw std::runtime_error(path.string() + ": netpbm image too large or maximum > 65535");
  const bool colour = magic == "P3" || magic == "P6";
  const bool binary = magic == "P5" || magic == "P6";
  const int channels = colour ? 3 : 1;
  const int bytes = maxValue > 255 ? 2 : 1;
  Image out(height, width);
  if (binary) in.get();  // the single whitespace before the raster
  std::vector<unsigned char> raw;
  if (binary) {
    raw.resize(static_cast<std::size_t>(width * height * channels * bytes));
    in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
    if (in.gcount() != static_cast<std::streamsize>(raw.size()))
      throw std::runtime_error(path.string() + ": the file ends inside the raster");
  }
  std::size_t cursor = 0;
  auto next = [&]() -> double {
    if (!binary) {
      long v;
      if (!(in >> v)) throw std::runtime_error(path.string() + ": the file ends inside the raster");
      return static_cast<double>(v);
    }
    double v = raw[cursor++];
    if (bytes == 2) v = v * 256 + raw[cursor++];  // big-endian, as netpbm writes
    return v;
  };
  for (long r = 0; r < height; ++r)
    for (long c = 0; c < width; ++c) {
      double v;
      if (colour) {
        const double red = next(), green = next(), blue = next();
        v = 0.299 * red + 0.587 * green + 0.114 * blue;
      } else {
        v = next();
      }
      out(r, c) = v / static_cast<double>(maxValue);
    }
  return out;
}

}  // namespace

Image fitImageToGrid(const Image& source, const VisualFieldGrid& grid) {
  // Fit the image into the grid, aspect kept, centred; bilinear.
  const int w = grid.width(), h = grid.height();
  Image out = Image::Zero(h, w);
  const double scale = std::min(static_cast<double>(w) / static_cast<double>(source.cols()),
                                static_cast<double>(h) / static_cast<double>(source.rows()));
  const double offsetX = (w - scale * static_cast<double>(source.cols())) / 2;
  const double offsetY = (h - scale * static_cast<double>(source.rows())) / 2;
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) {
      const double sx = (c + 0.5 - offsetX) / scale - 0.5, sy = (r + 0.5 - offsetY) / scale - 0.5;
      if (sx < -0.5 || sy < -0.5 || sx > static_cast<double>(source.cols()) - 0.5 ||
          sy > static_cast<double>(source.rows()) - 0.5)
        continue;
      const double cx = std::clamp(sx, 0.0, static_cast<double>(source.cols() - 1));
      const double cy = std::clamp(sy, 0.0, static_cast<double>(source.rows() - 1));
      const auto x0 = std::min(static_cast<Eigen::Index>(cx), source.cols() - 1);
      const auto y0 = std::min(static_cast<Eigen::Index>(cy), source.rows() - 1);
      const auto x1 = std::min(x0 + 1, source.cols() - 1), y1 = std::min(y0 + 1, source.rows() - 1);
      const double tx = cx - static_cast<double>(x0), ty = cy - static_cast<double>(y0);
      out(r, c) = (1 - ty) * ((1 - tx) * source(y0, x0) + tx * source(y0, x1)) +
                  ty * ((1 - tx) * source(y1, x0) + tx * source(y1, x1));
    }
  return out;
}

Image renderText(const std::string& text, const VisualFieldGrid& grid, double heightDeg,
                 double strokeDeg, double cx, double cy) {
  grid.validate();
  const auto segments = layoutText(text, heightDeg, cx, cy);
  Image out = Image::Zero(grid.height(), grid.width());
  const double half = strokeDeg / 2;
  for (int r = 0; r < grid.height(); ++r)
    for (int c = 0; c < grid.width(); ++c) {
      double d = 1e300;
      for (const auto& s : segments) d = std::min(d, segmentDistance(s, grid.xOf(c), grid.yOf(r)));
      // One pixel of linear ramp across the stroke's edge.
      out(r, c) = std::clamp(0.5 + (half - d) / grid.step, 0.0, 1.0);
    }
  return out;
}

Image readTaskImage(const std::filesystem::path& path, const VisualFieldGrid& grid) {
  grid.validate();
  std::string ext = path.extension().string();
  for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  Image source;
  if (ext == ".npy") {
    const auto header = io::readers::parseNpyHeader(path, io::readers::readNpyHead(path));
    if (header.shape.size() != 2)
      throw std::runtime_error(path.string() + ": a task image .npy must be 2-D, not " +
                               std::to_string(header.shape.size()) + "-D");
    const auto values = io::readers::readNpyValues(path, header);
    source = Eigen::Map<const Image>(values.data(), static_cast<Eigen::Index>(header.shape[0]),
                                     static_cast<Eigen::Index>(header.shape[1]));
    if (!source.allFinite()) throw std::runtime_error(path.string() + ": non-finite pixels");
    const double top = source.maxCoeff();
    if (top > 1) source /= top;
    source = source.cwiseMax(0.0);
  } else if (ext == ".pgm" || ext == ".ppm" || ext == ".pnm") {
    source = readNetpbm(path);
  } else if (io::isRasterImageExtension(path)) {
    const auto grey = io::readRasterImage(path);
    source = Eigen::Map<const Image>(grey.pixels.data(), static_cast<Eigen::Index>(grey.height),
                                     static_cast<Eigen::Index>(grey.width));
  } else {
    throw std::runtime_error(path.string() +
                             ": task images must be PNG, JPEG, PGM/PPM (.pgm, .ppm, .pnm) or 2-D "
                             ".npy");
  }
  if (source.rows() < 2 || source.cols() < 2)
    throw std::runtime_error(path.string() + ": the image is smaller than 2 × 2 pixels");
  return fitImageToGrid(source, grid);
}

std::vector<TaskImage> readTaskImageFolder(const std::filesystem::path& folder,
                                           const VisualFieldGrid& grid,
                                           std::vector<std::string>* skipped) {
  if (!std::filesystem::is_directory(folder))
    throw std::runtime_error(folder.string() + ": not a folder of task images");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<TaskImage> out;
  for (const auto& file : files) {
    try {
      out.push_back({file.filename().string(), readTaskImage(file, grid)});
    } catch (const std::exception& error) {
      if (skipped) skipped->push_back(error.what());
    }
  }
  return out;
}

std::vector<TaskImage> letterTaskSet(const VisualFieldGrid& grid, int count, std::uint64_t seed) {
  static const char* const kWords[] = {"A",   "E",   "K",   "R",    "S",    "W",    "Z",   "3",
                                       "7",   "HI",  "NO",  "GO",   "EXIT", "STOP", "UP",  "ON",
                                       "CAT", "DOG", "BUS", "TAXI", "OPEN", "MAP",  "FOX", "SUN"};
  SplitMix random{seed};
  std::vector<TaskImage> out;
  const double extent = std::min(grid.xMax - grid.xMin, grid.yMax - grid.yMin);
  for (int i = 0; i < count; ++i) {
    const std::string word = kWords[random.next() % std::size(kWords)];
    const double height = extent * (0.35 + 0.3 * random.uniform()) /
                          std::max(1.0, 0.6 * static_cast<double>(word.size()));
    const double stroke = std::max(height * 0.16, 1.5 * grid.step);
    // Centres spread over the middle 40 % of the field: a reading task
    // with fixation near, not on, the text.
    const double cx = (grid.xMin + grid.xMax) / 2 + extent * 0.4 * (random.uniform() - 0.5);
    const double cy = (grid.yMin + grid.yMax) / 2 + extent * 0.4 * (random.uniform() - 0.5);
    out.push_back({word, renderText(word, grid, height, stroke, cx, cy)});
  }
  return out;
}

}  // namespace nl::analysis::prosthesis
