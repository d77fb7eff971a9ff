#!/usr/bin/env bash
# Builds the .deb with CPack, unpacks it into a temporary root (dpkg -x) and
# runs the installed CLI from there: the package must be complete and the
# installed app must find its plugins. Then the plugin SDK: examples/plugin is
# configured and built against the unpacked package only (find_package with
# CMAKE_PREFIX_PATH=<root>/usr), and the installed CLI lists, loads and runs it.
set -euo pipefail
build_dir="$1"
source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$build_dir" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/neuroloupe_*.deb)
echo "package: $(basename "$deb")"
# Read the control data once: `grep -q` on a pipe would close it early and
# make pipefail report dpkg-deb's SIGPIPE as a failure.
control=$(dpkg-deb -I "$deb")
grep -q "Depends:.*libqt6core6" <<<"$control" || { echo "FAIL: no Qt dependency recorded"; echo "$control"; exit 1; }
grep -q "Depends:.*libvtk9" <<<"$control" || { echo "FAIL: no VTK dependency recorded"; exit 1; }
dpkg -x "$deb" "$work/root"
root="$work/root/usr"
for f in bin/neuroloupe bin/neuroloupe-cli share/applications/org.neuroloupe.NeuroLoupe.desktop \
         share/metainfo/org.neuroloupe.NeuroLoupe.metainfo.xml share/icons/hicolor/scalable/apps/org.neuroloupe.NeuroLoupe.svg; do
  [ -e "$root/$f" ] || { echo "FAIL: $f missing from the package"; exit 1; }
done
ls "$root"/lib/neuroloupe/plugins/libnlplugin_*.so >/dev/null
version=$(env -u NEUROLOUPE_PLUGIN_PATH "$root/bin/neuroloupe-cli" --version)
echo "$version"
case "$version" in neuroloupe-cli\ [0-9]*) ;; *) echo "FAIL: unexpected --version output"; exit 1 ;; esac
plugins=$(env -u NEUROLOUPE_PLUGIN_PATH "$root/bin/neuroloupe-cli" plugins --json)
grep -q '"id":"stats.descriptive"' <<<"$plugins" || { echo "FAIL: installed CLI does not find its plugins"; exit 1; }
grep -q '"loaded":true' <<<"$plugins" || { echo "FAIL: plugin did not load from the installed tree"; exit 1; }

# --- the plugin SDK ---
for f in include/neuroloupe/plugins/api/AnalysisPlugin.h include/neuroloupe/plugins/api/ParameterSchema.h \
         share/neuroloupe/manifest.schema.json lib/cmake/NeuroLoupe/NeuroLoupeConfig.cmake \
         lib/cmake/NeuroLoupe/NeuroLoupeConfigVersion.cmake lib/cmake/NeuroLoupe/NeuroLoupePlugin.cmake \
         lib/neuroloupe/libneuroloupe_plugins.so lib/neuroloupe/libneuroloupe_analysis.so lib/neuroloupe/libneuroloupe_io.so; do
  [ -e "$root/$f" ] || { echo "FAIL: SDK file $f missing from the package"; exit 1; }
done
if grep -rl "nlohmann/json.hpp" "$root/include/neuroloupe"; then
  echo "FAIL: installed headers include nlohmann/json.hpp"; exit 1
fi
cmp -s "$root/share/neuroloupe/manifest.schema.json" "$source_dir/plugins/api/manifest.schema.json" \
  || { echo "FAIL: installed manifest schema differs from plugins/api/manifest.schema.json"; exit 1; }
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$root/share/neuroloupe/manifest.schema.json"
grep -q "Suggests:.*nlohmann-json3-dev" <<<"$control" || { echo "FAIL: SDK build dependencies not suggested"; exit 1; }

# Every installed header compiles on its own, through the imported targets.
mkdir -p "$work/headers"
{
  echo 'cmake_minimum_required(VERSION 3.25)'
  echo 'project(neuroloupe_sdk_headers LANGUAGES CXX)'
  echo 'find_package(NeuroLoupe 0.1 REQUIRED)'
  echo 'set(CMAKE_CXX_STANDARD 20)'
  echo 'set(sources)'
  for header in $(cd "$root/include" && find neuroloupe -name '*.h' | sort); do
    name=$(echo "$header" | tr '/.' '__')
    echo "#include <$header>" >"$work/headers/$name.cpp"
    echo "list(APPEND sources $name.cpp)"
  done
  echo 'add_library(headers OBJECT ${sources})'
  echo 'target_link_libraries(headers PRIVATE NeuroLoupe::plugins)'
} >"$work/headers/CMakeLists.txt"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$work/headers" -B "$work/headers/build" "${generator[@]}" -DCMAKE_PREFIX_PATH="$root" \
  >"$work/headers.log" 2>&1 && cmake --build "$work/headers/build" >>"$work/headers.log" 2>&1 \
  || { cat "$work/headers.log"; echo "FAIL: an installed header does not compile on its own"; exit 1; }

# The example plugin, out of tree, against the unpacked package only.
cmake -S "$source_dir/examples/plugin" -B "$work/example" "${generator[@]}" -DCMAKE_PREFIX_PATH="$root" \
  -DCMAKE_BUILD_TYPE=Release >"$work/example.log" 2>&1 \
  && cmake --build "$work/example" >>"$work/example.log" 2>&1 \
  || { cat "$work/example.log"; echo "FAIL: examples/plugin does not build against the package"; exit 1; }
ls "$work/example"/libnlplugin_example_zscore.so >/dev/null
# Nothing of the source or build tree leaked into it.
if grep -q "$source_dir/\(io\|plugins\|analysis\)\|$build_dir" "$work/example/CMakeCache.txt"; then
  echo "FAIL: the example build refers to the NeuroLoupe source or build tree"; exit 1
fi
listed=$(NEUROLOUPE_PLUGIN_PATH="$work/example" "$root/bin/neuroloupe-cli" plugins --json)
python3 - "$listed" <<'PY' || exit 1
import json, sys
plugins = {p["id"]: p for p in json.loads(sys.argv[1])}
p = plugins.get("example.zscore")
if p is None: sys.exit("FAIL: the example plugin is not listed")
if not p["loaded"]: sys.exit("FAIL: the example plugin is listed as failed: " + p["failure"])
if p["outputs"][0]["attributes"][0]["names_axis"] != 1: sys.exit("FAIL: manifest attributes not read")
print("example listed:", p["id"], p["version"])
PY
printf '1,10\n2,20\n3,30\n4,40\n' >"$work/m.csv"
result=$(NEUROLOUPE_PLUGIN_PATH="$work/example" "$root/bin/neuroloupe-cli" run example.zscore \
  -i data="$work/m.csv" --ddof 1 --json -o "$work/z.h5")
python3 - "$result" <<'PY' || exit 1
import json, math, sys
out = json.loads(sys.argv[1])["outputs"]
# Column 1..4: mean 2.5, sample sd sqrt(5/3); column 10..40: ten times that.
sd = math.sqrt(5 / 3)
expected = [(x - 2.5) / sd for x in (1, 2, 3, 4)]
z = out["scores"]["values"]
want = [v for e in expected for v in (e, e)]  # rows × 2 columns, row-major
if len(z) != 8 or any(abs(a - b) > 1e-12 for a, b in zip(z, want)):
    sys.exit(f"FAIL: z-scores {z}, expected {want}")
m = out["moments"]["columns"]
if m["mean"] != [2.5, 25.0] or abs(m["sd"][0] - sd) > 1e-12 or abs(m["sd"][1] - 10 * sd) > 1e-12:
    sys.exit(f"FAIL: moments {m}")
print("example ran: z =", [round(v, 6) for v in z[::2]])
PY
[ -s "$work/z.h5" ] || { echo "FAIL: no result file from the example plugin"; exit 1; }

if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net "$root/share/metainfo/org.neuroloupe.NeuroLoupe.metainfo.xml"
fi
echo "PASS"
