#!/usr/bin/env bash
# Build "Backprop Lab.app" with the PyInstaller spec and pack it into a .dmg (macOS only).
#
#   bash packaging/macos/build_dmg.sh
#
# Makes a venv under packaging/build/ from packaging/requirements-build.txt, installs the
# project, runs PyInstaller (the spec's BUNDLE step makes the .app, ad-hoc signed by
# PyInstaller), smoke-tests the .app's executable with --self-test offscreen (exit code),
# then makes dist/backprop-lab-<version>-macos-<arch>.dmg (the .app plus a link to
# /Applications), mounts it read-only and runs the self-test once more from the mounted
# image. The .app is not notarised: on first start a student right-clicks it and picks
# Open (or a teacher signs and notarises it with an Apple Developer ID; see README.md).
# Environment: PYTHON (default python3).
set -euo pipefail

[ "$(uname -s)" = Darwin ] || {
  echo "build_dmg.sh: run this on macOS (hdiutil, .app bundles)" >&2
  exit 1
}
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
PACKAGING="$REPO/packaging"
BUILD="$PACKAGING/build"
DIST="$REPO/dist"
PYTHON="${PYTHON:-python3}"
APP_BUNDLE="$DIST/Backprop Lab.app"
fail() {
  echo "build_dmg.sh: FAILED: $*" >&2
  exit 1
}

self_test() {
  local label="$1" executable="$2" rc
  set +e
  QT_QPA_PLATFORM=offscreen "$executable" --self-test
  rc=$?
  set -e
  [ "$rc" = 0 ] || fail "smoke test '$label': --self-test exited with $rc"
  echo "smoke test '$label': exit code 0"
}

echo "== build venv"
VENV="$BUILD/venv-macos"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet -r "$PACKAGING/requirements-build.txt"
"$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation "$REPO"
VERSION="$("$VENV/bin/python" -c 'import backprop_lab; print(backprop_lab.__version__)')"
ARCH="$(uname -m)"

echo "== PyInstaller"
rm -rf "$DIST/backprop-lab" "$APP_BUNDLE"
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
  --distpath "$DIST" --workpath "$BUILD/pyinstaller" "$PACKAGING/backprop-lab.spec"
[ -x "$APP_BUNDLE/Contents/MacOS/backprop-lab" ] || fail "PyInstaller made no $APP_BUNDLE"
codesign --verify --deep --strict "$APP_BUNDLE" || fail "the .app's (ad-hoc) signature is invalid"
self_test ".app" "$APP_BUNDLE/Contents/MacOS/backprop-lab"

echo "== .dmg"
DMG="$DIST/backprop-lab-$VERSION-macos-$ARCH.dmg"
STAGING="$BUILD/dmg-staging"
rm -rf "$STAGING" "$DMG"
mkdir -p "$STAGING"
ditto "$APP_BUNDLE" "$STAGING/Backprop Lab.app"
ln -s /Applications "$STAGING/Applications"
hdiutil create -volname "Backprop Lab $VERSION" -srcfolder "$STAGING" -fs HFS+ \
  -format UDZO -imagekey zlib-level=9 -ov "$DMG"
hdiutil verify "$DMG"

echo "== smoke test from the mounted .dmg"
MOUNT="$(mktemp -d)"
hdiutil attach -readonly -nobrowse -mountpoint "$MOUNT" "$DMG" >/dev/null
trap 'hdiutil detach "$MOUNT" -quiet || hdiutil detach "$MOUNT" -force -quiet || true' EXIT
self_test ".dmg" "$MOUNT/Backprop Lab.app/Contents/MacOS/backprop-lab"

echo "== sizes"
du -sh "$APP_BUNDLE" "$DMG"
