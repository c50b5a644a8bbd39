#!/usr/bin/env bash
# Build Backprop Lab for Linux from a clean checkout, smoke-test what was built, print sizes.
#
#   bash packaging/build_linux.sh
#
# 1. a venv under packaging/build/ from packaging/requirements-build.txt (cached, keyed on the
#    file's hash and the Python version), plus the project itself (`pip install --no-deps`);
# 2. PyInstaller with packaging/backprop-lab.spec -> dist/backprop-lab/ (one-folder bundle);
# 3. dist/backprop-lab-<version>-linux-<arch>.tar.gz and dist/backprop-lab_<version>_<debarch>.deb
#    (installs under /opt/backprop-lab, /usr/bin/backprop-lab, desktop entry, hicolor icons);
# 4. smoke tests, judged by exit code: `--self-test` offscreen from the bundle, from the
#    unpacked tarball and from the .deb unpacked with dpkg -x (through its /usr/bin link);
#    `apt-get install --simulate` of the .deb; every system library the bundle links to
#    but does not ship belongs to a package named in Depends;
# 5. sizes; fails if the bundle is over 200 MB unpacked or the .deb over 65 MB.
#
# Exits non-zero on any failure. Environment: PYTHON (default python3, 3.10 or newer),
# SELF_TEST_TIMEOUT (seconds per self-test run, default 240).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
PACKAGING="$REPO/packaging"
BUILD="$PACKAGING/build"
DIST="$REPO/dist"
PYTHON="${PYTHON:-python3}"
SELF_TEST_TIMEOUT="${SELF_TEST_TIMEOUT:-240}"
MAX_BUNDLE_MB=200
MAX_DEB_MB=65
APP=backprop-lab

START_SECONDS=$SECONDS
step() { printf '\n== [%3ds] %s\n' "$((SECONDS - START_SECONDS))" "$*"; }
fail() {
  echo "build_linux.sh: FAILED: $*" >&2
  exit 1
}
# Any other failing command (set -e) names itself before the script exits.
trap 'echo "build_linux.sh: FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
# Pipelines below never end in a reader that stops early (grep -q, head, awk exit):
# with pipefail, the writer's SIGPIPE would fail the pipeline at random.

# The one dependency list for the .deb. Qt's xcb platform (libqxcb.so and libQt6XcbQpa)
# and QtGui link these; PyInstaller ships copies of most of them from the build machine,
# but GL/EGL are never shipped and the rest are listed so that the system's copies match.
# Checked below against what the bundle actually links to (check_depends).
DEB_DEPENDS_BASE=(
  libgl1 libegl1 libfontconfig1 libfreetype6 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3
  libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-image0 libxcb-xkb1 libxcb-shm0
  libxcb-sync1 libxcb-xfixes0 libxcb-glx0 libxcb-util1
)
# Needed only by the Wayland platform plugin; Qt falls back to xcb (XWayland) without them.
DEB_RECOMMENDS=(libwayland-client0 libwayland-cursor0 libwayland-egl1)

# ---------------------------------------------------------------- tools
need_packages=()
for tool in readelf objdump strip; do
  command -v "$tool" >/dev/null || { need_packages+=(binutils); break; }
done
command -v dpkg-deb >/dev/null || fail "dpkg-deb is missing (a Debian-based system is needed)"
# The smoke tests run the bundle, and the Depends check looks up which package owns each
# system library it links to: both need the runtime libraries installed on this machine.
for package in "${DEB_DEPENDS_BASE[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || need_packages+=("$package")
done
if [ "${#need_packages[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "missing Debian packages (install them first): ${need_packages[*]}"
  step "installing ${need_packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

# ---------------------------------------------------------------- 1. venv
step "build venv"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || fail "$PYTHON is older than Python 3.10"
py_version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
requirements_hash="$(sha256sum "$PACKAGING/requirements-build.txt" | cut -c1-12)"
VENV="$BUILD/venv-py$py_version-$requirements_hash"
if [ ! -f "$VENV/.complete" ]; then
  rm -rf "$BUILD"/venv-*
  mkdir -p "$BUILD"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$PACKAGING/requirements-build.txt"
  touch "$VENV/.complete"
  echo "created $VENV"
else
  echo "reusing $VENV"
fi
# Only one Qt binding may be in the venv (PyInstaller would refuse, and pyqtgraph would guess).
"$VENV/bin/python" - <<'EOF' || fail "the build venv holds more than one Qt binding"
import importlib.util
import sys

others = [name for name in ("PyQt5", "PyQt6", "PySide2") if importlib.util.find_spec(name)]
if others or importlib.util.find_spec("PySide6") is None:
    print("Qt bindings besides PySide6:", others or "none, and PySide6 is missing", file=sys.stderr)
    sys.exit(1)
EOF

# Install the project from a copy of the tree, so the build leaves no build/ or *.egg-info
# in the checkout. No build isolation: setuptools and wheel are pinned in the venv.
step "installing backprop-lab into the venv"
rm -rf "$BUILD/source"
mkdir -p "$BUILD/source"
tar -c --exclude=__pycache__ --exclude='*.egg-info' pyproject.toml README.md src resources \
  | tar -x -C "$BUILD/source"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
  --no-build-isolation --force-reinstall "$BUILD/source"
VERSION="$("$VENV/bin/python" -c 'import backprop_lab; print(backprop_lab.__version__)')"
ARCH="$(uname -m)"
DEB_ARCH="$(dpkg --print-architecture)"
echo "backprop-lab $VERSION for $ARCH ($DEB_ARCH)"

# ---------------------------------------------------------------- 2. PyInstaller
step "PyInstaller"
BUNDLE="$DIST/$APP"
rm -rf "$BUNDLE"
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
  --distpath "$DIST" --workpath "$BUILD/pyinstaller" "$PACKAGING/backprop-lab.spec"
[ -x "$BUNDLE/$APP" ] || fail "PyInstaller produced no $BUNDLE/$APP"

# CPython's own shared objects (libpython and lib-dynload) carry DWARF debug sections when
# the interpreter was built with -g (pyenv does): ~24 MB nobody needs in a student's
# install. Remove only those sections and only from those files; every other binary
# (Qt, NumPy, OpenBLAS) is left byte-for-byte as shipped, since stripping breaks OpenBLAS.
for elf in "$BUNDLE"/_internal/libpython3*.so* "$BUNDLE"/_internal/python3.*/lib-dynload/*.so; do
  [ -f "$elf" ] && [ ! -L "$elf" ] || continue
  sections="$(readelf -S "$elf" 2>/dev/null || true)"
  if [[ "$sections" == *.debug_info* ]]; then
    strip --strip-debug "$elf"
  fi
done

# ---------------------------------------------------------------- smoke test helper
# Runs an executable's --self-test offscreen with a throwaway HOME; judged by exit code.
SMOKE_PASSED=0
SMOKE_FAILED=0
self_test() {
  local label="$1" executable="$2" home rc
  home="$(mktemp -d)"
  set +e
  env HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" \
    XDG_CACHE_HOME="$home/.cache" XDG_RUNTIME_DIR="$home/run" QT_QPA_PLATFORM=offscreen \
    timeout "$SELF_TEST_TIMEOUT" "$executable" --self-test
  rc=$?
  set -e
  rm -rf "$home"
  if [ "$rc" = 0 ]; then
    SMOKE_PASSED=$((SMOKE_PASSED + 1))
    echo "smoke test '$label': exit code 0"
  else
    SMOKE_FAILED=$((SMOKE_FAILED + 1))
    fail "smoke test '$label': $executable --self-test exited with $rc"
  fi
}

step "smoke test: the bundle"
self_test "bundle" "$BUNDLE/$APP"

# ---------------------------------------------------------------- 3a. tar.gz
step "tar.gz"
TARBALL="$DIST/$APP-$VERSION-linux-$ARCH.tar.gz"
rm -f "$DIST/$APP"-*-linux-*.tar.gz
tar -C "$DIST" --owner=0 --group=0 --numeric-owner --sort=name -cf - "$APP" \
  | gzip -6 >"$TARBALL"

# ---------------------------------------------------------------- 3b. .deb
step ".deb"
DEB_ROOT="$BUILD/deb-root"
rm -rf "$DEB_ROOT"
mkdir -p "$DEB_ROOT/opt" "$DEB_ROOT/usr/bin" "$DEB_ROOT/usr/share/applications" \
  "$DEB_ROOT/usr/share/icons/hicolor/scalable/apps" "$DEB_ROOT/usr/share/doc/$APP" \
  "$DEB_ROOT/DEBIAN"
cp -a "$BUNDLE" "$DEB_ROOT/opt/$APP"
# A relative link, so that it also works inside a dpkg -x root (the smoke test uses it).
# PyInstaller's bootloader finds _internal/ through /proc/self/exe, so a link is enough.
ln -s "../../opt/$APP/$APP" "$DEB_ROOT/usr/bin/$APP"
[ -f resources/backprop-lab.desktop ] || fail "resources/backprop-lab.desktop is missing"
[ -f resources/backprop-lab.svg ] || fail "resources/backprop-lab.svg is missing"
install -m 644 resources/backprop-lab.desktop "$DEB_ROOT/usr/share/applications/$APP.desktop"
install -m 644 resources/backprop-lab.svg "$DEB_ROOT/usr/share/icons/hicolor/scalable/apps/$APP.svg"
# PNG sizes rendered from the SVG by packaging/make_icons.py (run by the spec, bundled Qt).
for size in 16 24 32 48 64 128 256 512; do
  png="$BUILD/icons/$APP-$size.png"
  [ -f "$png" ] || fail "$png was not rendered"
  install -D -m 644 "$png" "$DEB_ROOT/usr/share/icons/hicolor/${size}x${size}/apps/$APP.png"
done
cat >"$DEB_ROOT/usr/share/doc/$APP/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Backprop Lab

Files: *
Copyright: Backprop Lab developers
License: MIT

Files: opt/backprop-lab/_internal/*
Comment: A PyInstaller bundle of the CPython $py_version runtime (PSF License), Qt 6 and
 PySide6 (LGPL-3.0), NumPy with OpenBLAS (BSD-3-Clause), pyqtgraph (MIT), threadpoolctl
 (BSD-3-Clause), colorama (BSD-3-Clause) and the shared libraries they link to, each
 under its own licence.
EOF
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$DEB_ROOT/usr/share/applications/$APP.desktop" \
    || fail "the desktop entry does not validate"
fi

# Which packages the bundle needs from the system: for every ELF file in the bundle, each
# DT_NEEDED library that the bundle does not ship itself, resolved on this machine and
# looked up with dpkg -S. Wayland-only needs may be Recommends; every other must be in
# Depends. Also the newest glibc symbol version any file uses -> libc6 (>= that).
step "checking Depends against what the bundle links to"
mapfile -t bundle_elves < <(find "$BUNDLE" -type f -name '*.so*'; echo "$BUNDLE/$APP")
declare -A shipped=()
while IFS= read -r name; do shipped["$name"]=1; done < <(find "$BUNDLE" \( -type f -o -type l \) \
  -printf '%f\n')
declare -A needed_from_system=()
newest_glibc="2.17"
for elf in "${bundle_elves[@]}"; do
  while IFS= read -r lib; do
    [ -n "${shipped[$lib]:-}" ] || needed_from_system["$lib"]+="${elf#"$BUNDLE"/} "
  done < <(readelf -d "$elf" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  glibc="$(objdump -T "$elf" 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' \
    | sort -V | tail -n 1 || true)"
  if [ -n "$glibc" ] && [ "$(printf '%s\n%s\n' "$newest_glibc" "$glibc" | sort -V | tail -n 1)" = "$glibc" ]; then
    newest_glibc="$glibc"
  fi
done
declare -A depends_set=() recommends_set=()
for package in "${DEB_DEPENDS_BASE[@]}"; do depends_set["$package"]=1; done
for package in "${DEB_RECOMMENDS[@]}"; do recommends_set["$package"]=1; done
missing=()
ldconfig_cache="$(ldconfig -p)"
for lib in $(printf '%s\n' "${!needed_from_system[@]}" | sort); do
  # Prefer this architecture's copy when a multiarch system also has i386 libraries.
  path="$(awk -v lib="$lib" '$1 == lib && /x86-64|AArch64/ && !found {print $NF; found = 1}' \
    <<<"$ldconfig_cache")"
  [ -n "$path" ] || path="$(awk -v lib="$lib" '$1 == lib && !found {print $NF; found = 1}' \
    <<<"$ldconfig_cache")"
  users="${needed_from_system[$lib]}"
  if [ -z "$path" ]; then
    # Not installed here: acceptable only for the optional Wayland plugin's libraries.
    case "$lib" in libwayland-*) echo "  $lib: not installed here (Recommends)"; continue ;; esac
    missing+=("$lib (not installed on the build machine; needed by ${users%% *})")
    continue
  fi
  package=""
  real="$(readlink -f "$path")"
  # dpkg records /lib or /usr/lib as the package had it; on merged-/usr systems try both.
  for candidate in "$path" "$real" "/usr${path#/usr}" "/usr${real#/usr}" "${path#/usr}" "${real#/usr}"; do
    package="$(dpkg -S "$candidate" 2>/dev/null | sed -n '1s/:.*//p' || true)"
    [ -z "$package" ] || break
  done
  printf '  %-28s %-22s needed by %s\n' "$lib" "${package:-?}" "${users%% *}"
  case "$package" in
    libc6 | libgcc-s1 | libstdc++6) ;; # essential / priority required
    "") missing+=("$lib (no package owns $path)") ;;
    *)
      if [ -z "${depends_set[$package]:-}" ] && [ -z "${recommends_set[$package]:-}" ]; then
        missing+=("$lib -> $package (needed by ${users%% *})")
      fi
      ;;
  esac
done
if [ "${#missing[@]}" -gt 0 ]; then
  printf '  not covered by Depends/Recommends: %s\n' "${missing[@]}" >&2
  fail "add the packages above to DEB_DEPENDS_BASE (or DEB_RECOMMENDS) in this script"
fi
DEPENDS="libc6 (>= $newest_glibc), $(printf '%s, ' "${DEB_DEPENDS_BASE[@]}")"
DEPENDS="${DEPENDS%, }"
RECOMMENDS="$(printf '%s, ' "${DEB_RECOMMENDS[@]}")"
RECOMMENDS="${RECOMMENDS%, }"
echo "Depends: $DEPENDS"

installed_kb="$(du -sk --exclude=DEBIAN "$DEB_ROOT" | cut -f1)"
cat >"$DEB_ROOT/DEBIAN/control" <<EOF
Package: $APP
Version: $VERSION
Architecture: $DEB_ARCH
Maintainer: Backprop Lab developers <backprop-lab@users.noreply.github.com>
Installed-Size: $installed_kb
Depends: $DEPENDS
Recommends: $RECOMMENDS
Section: education
Priority: optional
Description: desktop simulator that teaches backpropagation
 Backprop Lab draws a small multilayer perceptron as nodes and edges coloured by
 weight. Step or run training and watch the loss fall and every weight change,
 epoch by epoch, with each number of the forward and backward pass one click away,
 and a gradient check that shows when a derivative is wrong.
 .
 The package is a self-contained bundle (Python, Qt, NumPy) under /opt/backprop-lab.
EOF
chmod -R u+rwX,go+rX,go-w "$DEB_ROOT"
DEB="$DIST/${APP}_${VERSION}_${DEB_ARCH}.deb"
rm -f "$DIST/${APP}"_*.deb
# xz level 1: measured on this bundle with 2 cores, level 1 takes ~26 s for 55 MB, level 3
# ~70 s for 53 MB and the default 6 several minutes for 53 MB; the bytes saved are not
# worth a slower CI run.
dpkg-deb --root-owner-group -Zxz -z1 --build "$DEB_ROOT" "$DEB" >/dev/null
dpkg-deb --contents "$DEB" >"$BUILD/deb-contents.txt"
for path in ./usr/bin/$APP ./opt/$APP/$APP ./usr/share/applications/$APP.desktop \
  ./usr/share/icons/hicolor/scalable/apps/$APP.svg ./usr/share/icons/hicolor/256x256/apps/$APP.png; do
  grep -q " $path\( ->.*\)\?$" "$BUILD/deb-contents.txt" || fail "$DEB lacks $path"
done

# ---------------------------------------------------------------- 4. smoke tests of artefacts
step "smoke test: the tar.gz, unpacked"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
mkdir "$SCRATCH/tar"
tar -xzf "$TARBALL" -C "$SCRATCH/tar"
self_test "tar.gz" "$SCRATCH/tar/$APP/$APP"

step "smoke test: the .deb, unpacked with dpkg -x"
dpkg -x "$DEB" "$SCRATCH/deb"
self_test ".deb via /usr/bin/$APP" "$SCRATCH/deb/usr/bin/$APP"

step "apt-get install --simulate"
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  [ "$(id -u)" = 0 ] || fail "apt has no package lists and this is not root: run apt-get update"
  apt-get update -qq
fi
simulate_log="$SCRATCH/apt-simulate.log"
if apt-get install --simulate -o Debug::NoLocking=1 "$DEB" >"$simulate_log" 2>&1 \
  && grep -q "^Inst $APP " "$simulate_log"; then
  SMOKE_PASSED=$((SMOKE_PASSED + 1))
  grep -c '^Inst ' "$simulate_log" | xargs -I{} echo "apt resolves the .deb ({} package(s) to install)"
else
  cat "$simulate_log" >&2
  fail "apt-get install --simulate $DEB does not resolve"
fi

# ---------------------------------------------------------------- 5. sizes
step "sizes"
mb() { awk -v bytes="$1" 'BEGIN { printf "%.1f", bytes / 1000000 }'; }
bundle_bytes="$(du -sb "$BUNDLE" | cut -f1)"
tar_bytes="$(stat -c %s "$TARBALL")"
deb_bytes="$(stat -c %s "$DEB")"
printf '  bundle unpacked  %7s MB  (limit %s MB)  %s\n' "$(mb "$bundle_bytes")" "$MAX_BUNDLE_MB" "$BUNDLE"
printf '  tar.gz           %7s MB                %s\n' "$(mb "$tar_bytes")" "$TARBALL"
printf '  .deb             %7s MB  (limit %s MB)   %s\n' "$(mb "$deb_bytes")" "$MAX_DEB_MB" "$DEB"
[ "$bundle_bytes" -le $((MAX_BUNDLE_MB * 1000000)) ] || fail "the bundle is over $MAX_BUNDLE_MB MB"
SMOKE_PASSED=$((SMOKE_PASSED + 1))
[ "$deb_bytes" -le $((MAX_DEB_MB * 1000000)) ] || fail "the .deb is over $MAX_DEB_MB MB"
SMOKE_PASSED=$((SMOKE_PASSED + 1))

step "done in $((SECONDS - START_SECONDS)) s"
echo "packaging: $SMOKE_PASSED passed, $SMOKE_FAILED failed"
