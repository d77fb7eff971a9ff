// The cache caps from the settings (app/gui/CacheSettings, io/ResourceLimits):
// keys in MiB become the process-wide caps; absent or malformed keys keep
// the defaults.
#include <gtest/gtest.h>

#include <QSettings>
#include <QTemporaryDir>

#include "app/gui/CacheSettings.h"
#include "io/ResourceLimits.h"

namespace {

TEST(CacheSettings, KeysInMegabytesBecomeTheCachesCaps) {
  QTemporaryDir scratch;
  QSettings::setDefaultFormat(QSettings::IniFormat);
  QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, scratch.path());
  const nl::io::ResourceLimits previous = nl::io::resourceLimits();
  {
    QSettings settings;
    settings.setValue("caches/volumeChunkCacheMB", 64);
    settings.setValue("caches/spikeTrainCacheMB", "0");
    settings.setValue("caches/viewCacheMB", "lots");  // not a number: the default stays
    settings.setValue("memory/maxArrayMB", 2048);
  }
  EXPECT_EQ(nl::app::applyCacheSettings(), 3);
  const auto limits = nl::io::resourceLimits();
  const auto defaults = nl::io::defaultResourceLimits();
  EXPECT_EQ(limits.volumeChunkCacheBytes, std::size_t{64} << 20);
  EXPECT_EQ(limits.spikeTrainCacheBytes, 0u);
  EXPECT_EQ(limits.viewCacheBytes, defaults.viewCacheBytes);
  EXPECT_EQ(limits.hdf5ChunkCacheBytes, defaults.hdf5ChunkCacheBytes);
  EXPECT_EQ(limits.maxArrayBytes, std::size_t{2} << 30);
  EXPECT_EQ(nl::io::maxArrayBytes(), std::size_t{2} << 30);
  nl::io::setResourceLimits(previous);
  QSettings::setDefaultFormat(QSettings::NativeFormat);
}

}  // namespace
