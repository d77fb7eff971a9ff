#include "widgets/scene/VolumeLayers.h"

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkColorTransferFunction.h>
#include <vtkDataArray.h>
#include <vtkFixedPointVolumeRayCastMapper.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkImageProperty.h>
#include <vtkImageSlice.h>
#include <vtkImageSliceMapper.h>
#include <vtkIntArray.h>
#include <vtkLine.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPiecewiseFunction.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>

#include <QStringList>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

#include "widgets/AreaColors.h"
#include "widgets/Colormap.h"
#include "widgets/scene/LookupTable.h"

namespace nl::widgets {

namespace {

// Looks from a saved state when they fit (one per channel); none otherwise.
std::optional<std::vector<ChannelLook>> looksFrom(const io::LayerState& state,
                                                  std::size_t channels) {
  if (channels == 0 || state.channels.size() != channels) return std::nullopt;
  std::vector<ChannelLook> looks;
  for (const auto& channel : state.channels) looks.push_back(toChannelLook(channel));
  return looks;
}

std::vector<io::ChannelState> channelStates(const std::vector<ChannelLook>& looks) {
  std::vector<io::ChannelState> out;
  for (const auto& look : looks) out.push_back(toChannelState(look));
  return out;
}

// "i,j,k" (non-negative integers), as SliceLayer saves its crosshair.
std::optional<std::array<std::size_t, 3>> parseIndices(const std::string& text) {
  std::array<std::size_t, 3> out{};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (std::size_t i = 0; i < 3; ++i) {
    const auto [next, error] = std::from_chars(p, end, out[i]);
    if (error != std::errc()) return std::nullopt;
    p = next;
    if (i < 2) {
      if (p == end || *p != ',') return std::nullopt;
      ++p;
    }
  }
  if (p != end) return std::nullopt;
  return out;
}

int vtkTypeOf(io::ScalarType type) {
  switch (type) {
    case io::ScalarType::UInt8:
      return VTK_UNSIGNED_CHAR;
    case io::ScalarType::Int8:
      return VTK_SIGNED_CHAR;
    case io::ScalarType::UInt16:
      return VTK_UNSIGNED_SHORT;
    case io::ScalarType::Int16:
      return VTK_SHORT;
    case io::ScalarType::UInt32:
      return VTK_UNSIGNED_INT;
    case io::ScalarType::Int32:
      return VTK_INT;
    case io::ScalarType::UInt64:
      return VTK_UNSIGNED_LONG_LONG;
    case io::ScalarType::Int64:
      return VTK_LONG_LONG;
    case io::ScalarType::Float32:
      return VTK_FLOAT;
    case io::ScalarType::Float64:
      return VTK_DOUBLE;
  }
  return VTK_DOUBLE;
}

// The volume as image data: all channels interleaved (channel < 0) or one.
// All channels of an unscaled array are the dataset's own bytes, in their
// stored type (a uint16 preview costs no copy; the layer keeps the dataset
// alive); one channel of several, or scaled values, become a float copy.
vtkSmartPointer<vtkImageData> toImage(const io::ArrayDataset& volume, const io::VolumeGrid& g,
                                      std::size_t channels, int channel = -1) {
  auto image = vtkSmartPointer<vtkImageData>::New();
  image->SetDimensions(static_cast<int>(g.nx), static_cast<int>(g.ny), static_cast<int>(g.nz));
  image->SetSpacing(g.spacing.data());
  image->SetOrigin(g.origin().data());
  const io::TypedArray& typed = volume.typed();
  const std::size_t voxels = g.voxelCount();
  // C order [z][y][x][c] is VTK's x-fastest point order with interleaved components.
  if ((channel < 0 || channels == 1) && !typed.isScaled()) {
    vtkSmartPointer<vtkDataArray> scalars;
    scalars.TakeReference(vtkDataArray::CreateDataArray(vtkTypeOf(typed.type())));
    scalars->SetNumberOfComponents(static_cast<int>(channels));
    // VTK only reads these (save = 1: VTK never frees or writes them).
    scalars->SetVoidArray(const_cast<void*>(typed.data()),
                          static_cast<vtkIdType>(voxels * channels), 1);
    scalars->SetName("values");
    image->GetPointData()->SetScalars(scalars);
    return image;
  }
  const int components = channel < 0 ? static_cast<int>(channels) : 1;
  image->AllocateScalars(VTK_FLOAT, components);
  auto* out = static_cast<float*>(image->GetScalarPointer());
  constexpr std::size_t kRun = 65536;
  std::vector<double> run(kRun);
  if (channel < 0) {
    for (std::size_t begin = 0; begin < voxels * channels; begin += kRun) {
      const std::size_t count = std::min(kRun, voxels * channels - begin);
      typed.toDouble(begin, count, run.data());
      for (std::size_t i = 0; i < count; ++i) out[begin + i] = static_cast<float>(run[i]);
    }
  } else {
    for (std::size_t begin = 0; begin < voxels; begin += kRun) {
      const std::size_t count = std::min(kRun, voxels - begin);
      typed.gather(begin * channels + static_cast<std::size_t>(channel), channels, count,
                   run.data());
      for (std::size_t i = 0; i < count; ++i) out[begin + i] = static_cast<float>(run[i]);
    }
  }
  return image;
}

std::pair<double, double> finiteRange(const io::TypedArray& values) {
  double low = std::numeric_limits<double>::infinity(), high = -low;
  constexpr std::size_t kRun = 65536;
  std::vector<double> run(kRun);
  for (std::size_t begin = 0; begin < values.size(); begin += kRun) {
    const std::size_t count = std::min(kRun, values.size() - begin);
    values.toDouble(begin, count, run.data());
    for (std::size_t i = 0; i < count; ++i)
      if (std::isfinite(run[i])) low = std::min(low, run[i]), high = std::max(high, run[i]);
  }
  if (!std::isfinite(low)) return {0, 1};
  return {low, high > low ? high : low + 1};
}

}  // namespace

QColor instanceColour(int label) {
  const int hue = static_cast<int>(std::fmod(label * 137.508, 360.0));
  return QColor::fromHsv(hue, 190 + (label % 3) * 20, 235 - (label % 2) * 30);
}

io::ChannelState toChannelState(const ChannelLook& look) {
  return io::ChannelState{{look.colour.red(), look.colour.green(), look.colour.blue()},
                          look.low,
                          look.high,
                          look.gamma,
                          look.visible};
}

ChannelLook toChannelLook(const io::ChannelState& state) {
  ChannelLook look;
  look.colour = QColor(std::clamp(state.rgb[0], 0, 255), std::clamp(state.rgb[1], 0, 255),
                       std::clamp(state.rgb[2], 0, 255));
  look.low = state.low;
  look.high = std::max(state.high, state.low + 1e-9);
  look.gamma = state.gamma > 0 ? state.gamma : 1.0;
  look.visible = state.visible;
  return look;
}

std::vector<ChannelLook> defaultChannelLooks(const io::ArrayDataset& volume, std::size_t channels) {
  std::vector<ChannelLook> looks;
  if (channels < 2) return looks;
  const QColor defaults[4] = {QColor(255, 40, 40), QColor(40, 255, 40), QColor(60, 110, 255),
                              QColor(255, 255, 255)};
  const io::TypedArray& values = volume.typed();
  const std::size_t voxels = values.size() / channels;
  for (std::size_t c = 0; c < channels; ++c) {
    // Contrast limits at the 0.5th and 99.5th percentiles of a sample.
    std::vector<double> sample;
    const std::size_t stride = std::max<std::size_t>(1, voxels / 200000);
    for (std::size_t v = 0; v < voxels; v += stride) {
      const double x = values.at(v * channels + c);
      if (std::isfinite(x)) sample.push_back(x);
    }
    ChannelLook look;
    look.colour = defaults[std::min<std::size_t>(c, 3)];
    if (!sample.empty()) {
      std::sort(sample.begin(), sample.end());
      look.low = sample[sample.size() * 5 / 1000];
      look.high = sample[std::min(sample.size() - 1, sample.size() * 995 / 1000)];
      if (!(look.high > look.low)) look.high = look.low + 1;
    }
    looks.push_back(look);
  }
  return looks;
}

io::VolumeGrid shownGrid(const io::ArrayDataset& volume, std::size_t* channels) {
  const auto shape = volume.shape();
  if (shape.size() != 3 && shape.size() != 4)
    throw std::invalid_argument("volume '" + volume.name() +
                                "' must be 3-D or 4-D (z, y, x[, channel])");
  const std::size_t count = shape.size() == 4 ? shape[3] : 1;
  if (count < 1 || count > 4)
    throw std::invalid_argument("volume '" + volume.name() + "' has more than 4 channels");
  if (channels != nullptr) *channels = count;
  return io::readVolumeGrid(volume, shape.size() == 4 ? io::AxisOrder::ZYXC : io::AxisOrder::ZYX);
}

std::optional<std::size_t> sceneVoxelAt(const io::VolumeGrid& grid, const double position[3]) {
  std::array<long, 3> ijk{};
  const std::array<std::size_t, 3> extent{grid.nx, grid.ny, grid.nz};
  const auto origin = grid.origin();
  for (std::size_t a = 0; a < 3; ++a) {
    ijk[a] = std::lround((position[a] - origin[a]) / grid.spacing[a]);
    if (ijk[a] < 0 || ijk[a] >= static_cast<long>(extent[a])) return std::nullopt;
  }
  return grid.flatIndex(static_cast<std::size_t>(ijk[0]), static_cast<std::size_t>(ijk[1]),
                        static_cast<std::size_t>(ijk[2]));
}

std::array<double, 3> sceneCentre(const io::VolumeGrid& grid, std::size_t flatIndex) {
  const auto ijk = grid.indicesOf(flatIndex);
  const auto origin = grid.origin();
  return {origin[0] + grid.spacing[0] * static_cast<double>(ijk[0]),
          origin[1] + grid.spacing[1] * static_cast<double>(ijk[1]),
          origin[2] + grid.spacing[2] * static_cast<double>(ijk[2])};
}

// ---------------------------------------------------------------- volume rendering

struct VolumeLayer::Impl {
  std::shared_ptr<const io::ArrayDataset> data;  // owns the bytes image may share
  vtkSmartPointer<vtkImageData> image;
  vtkNew<vtkFixedPointVolumeRayCastMapper> mapper;
  vtkNew<vtkVolumeProperty> property;
  vtkNew<vtkVolume> volume;
};

VolumeLayer::VolumeLayer(QString name, io::DatasetId dataset,
                         std::shared_ptr<const io::ArrayDataset> volume, QObject* parent)
    : SceneLayer(std::move(name), dataset, parent),
      grid_(shownGrid(*volume, &channels_)),
      impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.data = volume;
  d.image = toImage(*volume, grid_, channels_);
  dataRange_ = finiteRange(volume->typed());
  looks_ = defaultChannelLooks(*volume, channels_);
  initialiseRange();
  setColormap("gray");
  d.mapper->SetInputData(d.image);
  // Lower the sampling while the user drags, full quality when still.
  d.mapper->AutoAdjustSampleDistancesOn();
  d.mapper->SetImageSampleDistance(1.0);
  d.property->SetInterpolationTypeToLinear();
  d.property->ShadeOff();
  d.volume->SetMapper(d.mapper);
  d.volume->SetProperty(d.property);
  applyAppearance();
}

VolumeLayer::~VolumeLayer() = default;

QStringList VolumeLayer::presets() {
  return {"ramp", "soft tissue", "bright structures"};
}

void VolumeLayer::setPreset(const QString& preset) {
  preset_ = preset;
  applyAppearance();
  emit changed();
}

void VolumeLayer::setMode(Mode mode) {
  mode_ = mode;
  applyAppearance();
  emit changed();
}

void VolumeLayer::applyAppearance() {
  auto& d = *impl_;
  const auto [low, high] = scalarRange();
  const double span = high - low;
  if (mode_ == Mode::MaximumIntensity)
    d.mapper->SetBlendModeToMaximumIntensity();
  else
    d.mapper->SetBlendModeToComposite();
  if (channels_ == 1) {
    d.property->IndependentComponentsOn();
    vtkNew<vtkColorTransferFunction> colour;
    const auto map = Colormap::byName(colormap());
    for (int i = 0; i <= 8; ++i) {
      const QColor c = map.at(i / 8.0);
      colour->AddRGBPoint(low + span * i / 8.0, c.redF(), c.greenF(), c.blueF());
    }
    vtkNew<vtkPiecewiseFunction> alpha;
    // Opacity ramps: where along the range the volume becomes visible.
    const double start = preset_ == "bright structures" ? 0.55
                         : preset_ == "soft tissue"     ? 0.15
                                                        : 0.0;
    const double top =
        mode_ == Mode::MaximumIntensity ? 1.0 : (preset_ == "soft tissue" ? 0.25 : 0.6);
    alpha->AddPoint(low + std::max(span * start, span * 0.0) + std::max(0.0, threshold()), 0.0);
    alpha->AddPoint(high, top * opacity());
    d.property->SetColor(colour);
    d.property->SetScalarOpacity(alpha);
  } else {
    // One transfer function per channel, from its look.
    d.property->IndependentComponentsOn();
    for (std::size_t c = 0; c < looks_.size(); ++c) {
      const ChannelLook& look = looks_[c];
      vtkNew<vtkColorTransferFunction> colour;
      vtkNew<vtkPiecewiseFunction> alpha;
      const double width = std::max(1e-12, look.high - look.low);
      for (int i = 0; i <= 16; ++i) {
        const double value = look.low + width * (i / 16.0), shown = look.intensity(value);
        colour->AddRGBPoint(value, shown * look.colour.redF(), shown * look.colour.greenF(),
                            shown * look.colour.blueF());
        alpha->AddPoint(value, look.visible ? 0.8 * opacity() * shown : 0.0);
      }
      d.property->SetColor(static_cast<int>(c), colour);
      d.property->SetScalarOpacity(static_cast<int>(c), alpha);
    }
  }
  d.volume->SetVisibility(isVisible());
}

io::LayerState VolumeLayer::displayState() const {
  io::LayerState state = SceneLayer::displayState();
  state.kind = "volume";
  state.channels = channelStates(looks_);
  state.extras["mode"] = mode_ == Mode::MaximumIntensity ? "mip" : "composite";
  state.extras["preset"] = preset_.toStdString();
  return state;
}

void VolumeLayer::applyDisplayState(const io::LayerState& state) {
  if (const auto it = state.extras.find("mode"); it != state.extras.end()) {
    if (it->second == "mip") mode_ = Mode::MaximumIntensity;
    if (it->second == "composite") mode_ = Mode::Composite;
  }
  if (const auto it = state.extras.find("preset");
      it != state.extras.end() && presets().contains(QString::fromStdString(it->second)))
    preset_ = QString::fromStdString(it->second);
  if (auto looks = looksFrom(state, looks_.size())) looks_ = std::move(*looks);
  applyAppearance();
  emit changed();
  SceneLayer::applyDisplayState(state);
}

void VolumeLayer::setChannelLook(std::size_t channel, const ChannelLook& look) {
  if (channel >= looks_.size()) throw std::out_of_range("no such channel");
  looks_[channel] = look;
  applyAppearance();
  emit changed();
}

QColor VolumeLayer::channelColourAt(std::size_t channel, double value) const {
  double rgb[3] = {0, 0, 0};
  if (auto* colour = impl_->property->GetRGBTransferFunction(static_cast<int>(channel)))
    colour->GetColor(value, rgb);
  return QColor::fromRgbF(static_cast<float>(rgb[0]), static_cast<float>(rgb[1]),
                          static_cast<float>(rgb[2]));
}

void VolumeLayer::attach(vtkRenderer* renderer) {
  renderer->AddVolume(impl_->volume);
}
void VolumeLayer::detach(vtkRenderer* renderer) {
  renderer->RemoveVolume(impl_->volume);
}
bool VolumeLayer::owns(vtkProp* prop) const {
  return prop == impl_->volume.GetPointer();
}

std::optional<PickHit> VolumeLayer::hitFromCellPick(vtkProp*, long long,
                                                    const double position[3]) const {
  const auto voxel = sceneVoxelAt(grid_, position);
  if (!voxel) return std::nullopt;
  PickHit hit;
  hit.dataset = dataset();
  hit.index = static_cast<std::int64_t>(*voxel);
  hit.position = sceneCentre(grid_, *voxel);
  const auto ijk = grid_.indicesOf(*voxel);
  hit.description = tr("voxel (%1, %2, %3)").arg(ijk[0]).arg(ijk[1]).arg(ijk[2]);
  return hit;
}

// ---------------------------------------------------------------- slices

namespace {

// A channel's shown intensity at every integer value inside its contrast
// limits, computed once per look: microscopy data are integers (8/16-bit),
// and a look change then costs a table of ≤ 65,536 powers instead of one per
// voxel. Exact: the same ChannelLook::intensity, evaluated ahead.
struct IntensityTable {
  double first = 0, last = -1;  // integer values covered; none when last < first
  std::vector<double> shown;
};

IntensityTable tabulate(const ChannelLook& look) {
  IntensityTable table;
  const double first = std::ceil(look.low), last = std::floor(look.high);
  if (!(last >= first) || last - first > 65535) return table;
  table.first = first, table.last = last;
  table.shown.resize(static_cast<std::size_t>(last - first) + 1);
  for (std::size_t n = 0; n < table.shown.size(); ++n)
    table.shown[n] = look.intensity(first + static_cast<double>(n));
  return table;
}

// What a voxel looks like when the slices are composed on the CPU: the
// overlay's colour where it passes the threshold, otherwise the additive
// composite of the visible channels (napari/ImageJ: Σ colour · t^gamma,
// clamped) or, for one channel, the lookup table.
struct VoxelColours {
  struct Channel {
    std::size_t index;
    ChannelLook look;
    double red, green, blue;
    const IntensityTable* table;

    double intensity(double value) const {
      if (table && value >= table->first && value <= table->last) {
        const double offset = value - table->first;
        const auto n = static_cast<std::size_t>(offset);
        if (static_cast<double>(n) == offset) return table->shown[n];
      }
      return look.intensity(value);
    }
  };
  const io::TypedArray* values = nullptr;  // multichannel, interleaved [z][y][x][c]
  std::size_t channels = 1;
  std::vector<Channel> visible;
  vtkDataArray* base = nullptr;  // one channel
  vtkLookupTable* table = nullptr;
  const double* overlay = nullptr;
  double overlayThreshold = 0;
  vtkLookupTable* overlayTable = nullptr;

  void rgb(std::size_t voxel, unsigned char* out) const {
    double c[3] = {0, 0, 0};
    const double o = overlay ? overlay[voxel] : 0.0;
    if (overlay && std::isfinite(o) && std::abs(o) >= overlayThreshold && o != 0.0) {
      overlayTable->GetColor(o, c);
    } else if (values) {
      const std::size_t first = voxel * channels;
      for (const Channel& channel : visible) {
        const double shown = channel.intensity(values->at(first + channel.index));
        c[0] += shown * channel.red, c[1] += shown * channel.green, c[2] += shown * channel.blue;
      }
    } else {
      table->GetColor(base->GetComponent(static_cast<vtkIdType>(voxel), 0), c);
    }
    for (int i = 0; i < 3; ++i)
      out[i] = static_cast<unsigned char>(std::lround(255.0 * std::clamp(c[i], 0.0, 1.0)));
  }
};

}  // namespace

struct SliceLayer::Impl {
  vtkSmartPointer<vtkImageData> image;                    // one channel (may share its bytes)
  std::shared_ptr<const io::ArrayDataset> volume;         // keeps those bytes; read slice by slice
  std::array<vtkSmartPointer<vtkImageData>, 3> composed;  // RGBA, one slice thick each
  std::array<bool, 3> stale{true, true, true};
  // What the composed slices were drawn with; a change redraws all three.
  struct Inputs {
    std::vector<ChannelLook> looks;
    QString colormap;
    std::pair<double, double> range;
    const io::ArrayDataset* overlay = nullptr;
    double overlayThreshold = 0;
    bool operator==(const Inputs&) const = default;
  };
  std::optional<Inputs> composedWith;
  std::vector<IntensityTable> intensity;  // per channel, for composedWith's looks
  std::shared_ptr<const io::ArrayDataset> overlay;
  double overlayThreshold = 0;
  QString overlayColormap;
  vtkNew<vtkLookupTable> overlayTable;  // symmetric about 0, ± the overlay's peak |value|
  std::array<vtkSmartPointer<vtkImageSliceMapper>, 3> mappers;
  std::array<vtkSmartPointer<vtkImageSlice>, 3> slices;
  vtkNew<vtkLookupTable> table;
  vtkNew<vtkPolyData> crosshair;
  vtkNew<vtkActor> crosshairActor;
};

SliceLayer::SliceLayer(QString name, io::DatasetId dataset,
                       std::shared_ptr<const io::ArrayDataset> volume, QObject* parent)
    : SceneLayer(std::move(name), dataset, parent),
      grid_(shownGrid(*volume, &channels_)),
      impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  // World coordinates when a file gave the affine (NIfTI sform/qform, MGH
  // vox2ras: affine_source) or the grid has a unit (microscopy µm).
  showsWorld_ = !grid_.unit.empty() || volume->attributes().contains("affine_source");
  dataRange_ = finiteRange(volume->typed());
  looks_ = defaultChannelLooks(*volume, channels_);
  if (channels_ == 1) d.image = toImage(*volume, grid_, channels_, 0);
  d.volume = volume;  // the dataset's own values; no copy of the whole volume
  for (std::size_t axis = 0; axis < 3; ++axis) {
    d.composed[axis] = vtkSmartPointer<vtkImageData>::New();
    d.mappers[axis] = vtkSmartPointer<vtkImageSliceMapper>::New();
    // 0: x (sagittal), 1: y (coronal), 2: z (axial)
    d.mappers[axis]->SetOrientation(static_cast<int>(axis));
    d.slices[axis] = vtkSmartPointer<vtkImageSlice>::New();
    d.slices[axis]->SetMapper(d.mappers[axis]);
    d.slices[axis]->GetProperty()->SetInterpolationTypeToNearest();
  }
  vtkNew<vtkPolyDataMapper> lineMapper;
  lineMapper->SetInputData(d.crosshair);
  d.crosshairActor->SetMapper(lineMapper);
  const QColor h = highlightColor();
  d.crosshairActor->GetProperty()->SetColor(h.redF(), h.greenF(), h.blueF());
  d.crosshairActor->GetProperty()->SetLineWidth(1.5);
  d.crosshairActor->PickableOff();
  setCrosshair(grid_.nx / 2, grid_.ny / 2, grid_.nz / 2);
  initialiseRange();
  setColormap("gray");
  applyAppearance();
}

SliceLayer::~SliceLayer() = default;

void SliceLayer::setChannelLook(std::size_t channel, const ChannelLook& look) {
  if (channel >= looks_.size())
    throw std::out_of_range("slices '" + name().toStdString() + "' have no channel " +
                            std::to_string(channel));
  looks_[channel] = look;
  applyAppearance();
  emit changed();
}

io::LayerState SliceLayer::displayState() const {
  io::LayerState state = SceneLayer::displayState();
  state.kind = "slices";
  state.channels = channelStates(looks_);
  state.extras["crosshair"] = std::to_string(crosshair_[0]) + "," + std::to_string(crosshair_[1]) +
                              "," + std::to_string(crosshair_[2]);
  if (hasOverlay()) {
    std::ostringstream threshold;
    threshold.precision(17);
    threshold << overlayThreshold();
    state.extras["overlay_threshold"] = threshold.str();
  }
  return state;
}

void SliceLayer::applyDisplayState(const io::LayerState& state) {
  if (const auto it = state.extras.find("crosshair"); it != state.extras.end())
    if (const auto ijk = parseIndices(it->second))
      setCrosshair((*ijk)[0], (*ijk)[1], (*ijk)[2]);  // clamped to the grid
  if (const auto it = state.extras.find("overlay_threshold");
      it != state.extras.end() && hasOverlay()) {
    double threshold = 0;
    const auto [end, error] =
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), threshold);
    if (error == std::errc() && end == it->second.data() + it->second.size() &&
        std::isfinite(threshold) && threshold >= 0)
      impl_->overlayThreshold = threshold;
  }
  // All looks at once: the slices are recomposed once, not once per channel.
  if (auto looks = looksFrom(state, looks_.size())) looks_ = std::move(*looks);
  applyAppearance();
  emit changed();
  SceneLayer::applyDisplayState(state);
}

void SliceLayer::setCrosshair(std::size_t i, std::size_t j, std::size_t k) {
  auto& d = *impl_;
  const auto& g = grid_;
  const auto before = crosshair_;
  crosshair_ = {std::min(i, g.nx - 1), std::min(j, g.ny - 1), std::min(k, g.nz - 1)};
  for (std::size_t axis = 0; axis < 3; ++axis) {
    d.mappers[axis]->SetSliceNumber(static_cast<int>(crosshair_[axis]));
    if (crosshair_[axis] != before[axis]) d.stale[axis] = true;
  }
  // Composed slices follow at once (only the moved ones); before the first
  // applyAppearance there is nothing to follow yet.
  if (composesColour() && d.composedWith)
    for (std::size_t axis = 0; axis < 3; ++axis)
      if (d.stale[axis]) composeSlice(axis);
  const auto centre = sceneCentre(g, g.flatIndex(crosshair_[0], crosshair_[1], crosshair_[2]));
  const auto origin = g.origin();
  vtkNew<vtkPoints> points;
  vtkNew<vtkCellArray> lines;
  for (int axis = 0; axis < 3; ++axis) {
    auto a = centre, b = centre;
    const std::size_t n = axis == 0 ? g.nx : axis == 1 ? g.ny : g.nz;
    a[static_cast<std::size_t>(axis)] = origin[static_cast<std::size_t>(axis)];
    b[static_cast<std::size_t>(axis)] =
        origin[static_cast<std::size_t>(axis)] +
        g.spacing[static_cast<std::size_t>(axis)] * static_cast<double>(n - 1);
    const vtkIdType ids[2] = {points->InsertNextPoint(a.data()), points->InsertNextPoint(b.data())};
    lines->InsertNextCell(2, ids);
  }
  d.crosshair->SetPoints(points);
  d.crosshair->SetLines(lines);
  d.crosshair->Modified();
  emit changed();
}

bool SliceLayer::fitsGrid(const io::ArrayDataset& other) const {
  try {
    std::size_t channels = 0;
    const auto grid = shownGrid(other, &channels);
    return channels == 1 && grid.sameGrid(grid_, 1e-3);
  } catch (const std::invalid_argument&) {
    return false;  // another shape or malformed geometry
  }
}

void SliceLayer::setOverlay(std::shared_ptr<const io::ArrayDataset> overlay, double threshold,
                            QString colormap) {
  if (!overlay || !fitsGrid(*overlay))
    throw std::invalid_argument(
        "the overlay's grid (size or affine) differs from the volume's; "
        "resample it first");
  auto& d = *impl_;
  double peak = 0;
  for (double v : overlay->values())
    if (std::isfinite(v)) peak = std::max(peak, std::abs(v));
  if (peak == 0) peak = 1;
  const auto colours = Colormap::byName(colormap).table(256);
  d.overlayTable->SetNumberOfTableValues(256);
  for (int c = 0; c < 256; ++c) {
    const auto& rgb = colours[static_cast<std::size_t>(c)];
    d.overlayTable->SetTableValue(c, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0, 1.0);
  }
  d.overlayTable->SetRange(-peak, peak);
  d.overlay = std::move(overlay);
  d.overlayThreshold = threshold;
  d.overlayColormap = std::move(colormap);
  applyAppearance();
}

void SliceLayer::clearOverlay() {
  impl_->overlay.reset();
  applyAppearance();
}

bool SliceLayer::hasOverlay() const {
  return impl_->overlay != nullptr;
}
std::shared_ptr<const io::ArrayDataset> SliceLayer::overlay() const {
  return impl_->overlay;
}
QString SliceLayer::overlayName() const {
  return impl_->overlay ? QString::fromStdString(impl_->overlay->name()) : QString();
}
double SliceLayer::overlayThreshold() const {
  return impl_->overlayThreshold;
}
void SliceLayer::setOverlayThreshold(double threshold) {
  impl_->overlayThreshold = threshold;
  applyAppearance();
}

bool SliceLayer::composesColour() const {
  return channels_ > 1 || impl_->overlay != nullptr;
}

namespace {

VoxelColours voxelColours(std::size_t channels, const std::vector<ChannelLook>& looks,
                          const std::vector<IntensityTable>& tables, const io::ArrayDataset* volume,
                          vtkImageData* image, vtkLookupTable* table,
                          const io::ArrayDataset* overlay, double overlayThreshold,
                          vtkLookupTable* overlayTable) {
  VoxelColours colours;
  if (channels > 1) {
    colours.values = &volume->typed();
    colours.channels = channels;
    for (std::size_t c = 0; c < looks.size(); ++c)
      if (looks[c].visible)
        colours.visible.push_back({c, looks[c], looks[c].colour.redF(), looks[c].colour.greenF(),
                                   looks[c].colour.blueF(),
                                   tables.size() == looks.size() ? &tables[c] : nullptr});
  } else {
    colours.base = image->GetPointData()->GetScalars();
    colours.table = table;
  }
  if (overlay) {
    colours.overlay = overlay->values().data();
    colours.overlayThreshold = overlayThreshold;
    colours.overlayTable = overlayTable;
  }
  return colours;
}

}  // namespace

// Redraws one displayed slice: an image one voxel thick at the crosshair, so
// a look change costs a slice, not the volume.
void SliceLayer::composeSlice(std::size_t axis) {
  auto& d = *impl_;
  const auto& g = grid_;
  const auto colours = voxelColours(channels_, looks_, d.intensity, d.volume.get(), d.image,
                                    d.table, d.overlay.get(), d.overlayThreshold, d.overlayTable);
  int extent[6] = {0, static_cast<int>(g.nx) - 1, 0, static_cast<int>(g.ny) - 1,
                   0, static_cast<int>(g.nz) - 1};
  extent[2 * axis] = extent[2 * axis + 1] = static_cast<int>(crosshair_[axis]);
  auto& image = d.composed[axis];
  image->SetExtent(extent);
  image->SetSpacing(g.spacing.data());
  image->SetOrigin(g.origin().data());
  image->AllocateScalars(VTK_UNSIGNED_CHAR, 4);
  auto* out = static_cast<unsigned char*>(image->GetScalarPointer());
  // VTK's point order: x fastest, then y, then z.
  for (int k = extent[4]; k <= extent[5]; ++k)
    for (int j = extent[2]; j <= extent[3]; ++j) {
      std::size_t voxel = static_cast<std::size_t>(extent[0]) +
                          g.nx * (static_cast<std::size_t>(j) + g.ny * static_cast<std::size_t>(k));
      for (int i = extent[0]; i <= extent[1]; ++i, ++voxel, out += 4) {
        colours.rgb(voxel, out);
        out[3] = 255;
      }
    }
  image->Modified();
  d.stale[axis] = false;
}

QColor SliceLayer::displayedColour(std::size_t i, std::size_t j, std::size_t k) const {
  const auto& d = *impl_;
  if (composesColour()) {
    const auto colours = voxelColours(channels_, looks_, d.intensity, d.volume.get(), d.image,
                                      d.table, d.overlay.get(), d.overlayThreshold, d.overlayTable);
    unsigned char rgb[3];
    colours.rgb(i + grid_.nx * (j + grid_.ny * k), rgb);
    return QColor(rgb[0], rgb[1], rgb[2]);
  }
  double rgb[3];
  d.table->GetColor(static_cast<double>(d.image->GetScalarComponentAsFloat(
                        static_cast<int>(i), static_cast<int>(j), static_cast<int>(k), 0)),
                    rgb);
  return QColor::fromRgbF(static_cast<float>(rgb[0]), static_cast<float>(rgb[1]),
                          static_cast<float>(rgb[2]));
}

void SliceLayer::applyAppearance() {
  auto& d = *impl_;
  fillLookupTable(d.table, *this);
  if (composesColour()) {
    // Composed on the CPU (two coplanar image slices would z-fight); only
    // when what they were drawn with changed, not on opacity or visibility.
    Impl::Inputs inputs{looks_, {}, {}, d.overlay.get(), d.overlayThreshold};
    if (channels_ == 1) inputs.colormap = colormap(), inputs.range = scalarRange();
    if (d.composedWith != inputs) {
      d.stale = {true, true, true};
      d.intensity.clear();
      for (const ChannelLook& look : looks_) d.intensity.push_back(tabulate(look));
    }
    d.composedWith = inputs;
    for (std::size_t axis = 0; axis < 3; ++axis) {
      if (d.stale[axis]) composeSlice(axis);
      d.mappers[axis]->SetInputData(d.composed[axis]);
      auto* property = d.slices[axis]->GetProperty();
      property->SetLookupTable(nullptr);
      property->UseLookupTableScalarRangeOff();
      property->SetColorWindow(255.0);
      property->SetColorLevel(127.5);
    }
  } else {
    d.composedWith.reset();
    for (std::size_t axis = 0; axis < 3; ++axis) {
      d.mappers[axis]->SetInputData(d.image);
      d.slices[axis]->GetProperty()->SetLookupTable(d.table);
      d.slices[axis]->GetProperty()->UseLookupTableScalarRangeOn();
    }
  }
  for (auto& slice : d.slices) {
    slice->SetVisibility(isVisible());
    slice->GetProperty()->SetOpacity(opacity());
  }
  d.crosshairActor->SetVisibility(isVisible());
}

void SliceLayer::attach(vtkRenderer* renderer) {
  for (auto& slice : impl_->slices) renderer->AddViewProp(slice);
  renderer->AddActor(impl_->crosshairActor);
}

void SliceLayer::detach(vtkRenderer* renderer) {
  for (auto& slice : impl_->slices) renderer->RemoveViewProp(slice);
  renderer->RemoveActor(impl_->crosshairActor);
}

bool SliceLayer::owns(vtkProp* prop) const {
  for (const auto& slice : impl_->slices)
    if (prop == slice.GetPointer()) return true;
  return false;
}

std::optional<PickHit> SliceLayer::hitFromCellPick(vtkProp*, long long,
                                                   const double position[3]) const {
  const auto voxel = sceneVoxelAt(grid_, position);
  if (!voxel) return std::nullopt;
  PickHit hit;
  hit.dataset = dataset();
  hit.index = static_cast<std::int64_t>(*voxel);
  hit.position = sceneCentre(grid_, *voxel);
  const auto ijk = grid_.indicesOf(*voxel);
  const QString where = tr("voxel (%1, %2, %3) = ").arg(ijk[0]).arg(ijk[1]).arg(ijk[2]);
  if (channels_ == 1) {
    hit.description = where + QString("%1").arg(impl_->image->GetScalarComponentAsFloat(
                                  static_cast<int>(ijk[0]), static_cast<int>(ijk[1]),
                                  static_cast<int>(ijk[2]), 0));
  } else {
    // Every channel's value: "(12, 240, 3)".
    QStringList channels;
    const io::TypedArray& values = impl_->volume->typed();
    for (std::size_t c = 0; c < channels_; ++c)
      channels << QString::number(values.at(*voxel * channels_ + c));
    hit.description = where + "(" + channels.join(", ") + ")";
  }
  if (showsWorld_) {
    const auto world = grid_.voxelToWorld(
        {static_cast<double>(ijk[0]), static_cast<double>(ijk[1]), static_cast<double>(ijk[2])});
    const QString unit = grid_.unit.empty() || grid_.unit == "mm" ? QStringLiteral("mm")
                         : grid_.unit == "micrometer"             ? QStringLiteral("µm")
                         : grid_.unit == "nanometer"              ? QStringLiteral("nm")
                                                     : QString::fromStdString(grid_.unit);
    hit.description += tr("  at (%1, %2, %3) %4")
                           .arg(world[0], 0, 'f', 1)
                           .arg(world[1], 0, 'f', 1)
                           .arg(world[2], 0, 'f', 1)
                           .arg(unit);
  }
  return hit;
}

void SliceLayer::setHighlight(const std::vector<std::int64_t>& indices) {
  if (indices.empty() || indices.back() < 0 ||
      static_cast<std::size_t>(indices.back()) >= grid_.voxelCount())
    return;
  const auto ijk = grid_.indicesOf(static_cast<std::size_t>(indices.back()));
  setCrosshair(ijk[0], ijk[1], ijk[2]);
}

}  // namespace nl::widgets
