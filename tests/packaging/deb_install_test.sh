#!/usr/bin/env bash
# Builds the .deb with CPack, unpacks it into a temporary root (dpkg -x) and
# runs the installed CLI from there: the package must be complete and the
# installed app must find its plugins.
set -euo pipefail
build_dir="$1"
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
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net "$root/share/metainfo/org.neuroloupe.NeuroLoupe.metainfo.xml"
fi
echo "PASS"
