#!/usr/bin/env bash
# Build the one-folder bundle (dist/Tokenworth), add the Linux desktop files, run the
# bundle's --self-test offscreen (also with the network cut where `unshare -n` works), and
# pack dist/tokenworth-<version>-linux-<arch>.tar.gz. Used by `make bundle`.
#
#   PYTHON=path/to/python   the interpreter with Tokenworth and PyInstaller (default .venv)
#   NO_TARBALL=1            skip the tarball (saves ~20 s)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
APP_ID=io.github.tokenworth.Tokenworth
DIST=dist/Tokenworth
VERSION=$("$PYTHON" -c 'import tokenworth; print(tokenworth.__version__)')

seconds() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f s", b - a }'; }

if ! "$PYTHON" -m PyInstaller --version >/dev/null 2>&1; then
    echo "build_bundle: PyInstaller is missing: $PYTHON -m pip install 'pyinstaller>=6.10'" >&2
    exit 2
fi

echo "== PyInstaller $("$PYTHON" -m PyInstaller --version), Tokenworth $VERSION"
start=$(seconds)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/tokenworth.spec
build_time=$(took "$start")

# Debug symbols only (a Python built from source keeps ~16 MB of them in libpython). Not
# PyInstaller's strip=True: stripping numpy's OpenBLAS again breaks it.
if command -v strip >/dev/null 2>&1 && command -v file >/dev/null 2>&1; then
    find "$DIST" -type f -name '*.so*' -exec file {} + | grep 'with debug_info' | cut -d: -f1 |
        while IFS= read -r lib; do strip --strip-debug "$lib"; done
fi

# Desktop integration travels with the bundle; install-desktop.sh adds the menu entry.
mkdir -p "$DIST/share/applications" "$DIST/share/metainfo" "$DIST/share/icons"
cp packaging/linux/$APP_ID.desktop "$DIST/share/applications/"
cp packaging/linux/$APP_ID.metainfo.xml "$DIST/share/metainfo/"
rm -rf "$DIST/share/icons/hicolor"
cp -R packaging/icons/hicolor "$DIST/share/icons/hicolor"
cp packaging/linux/install-desktop.sh "$DIST/"
chmod +x "$DIST/install-desktop.sh"

# Libraries the bundle expects from the system (glibc, GL, fontconfig, X11/Wayland, ...).
missing=$(find "$DIST" -name '*.so*' -type f -exec ldd {} + 2>/dev/null | grep 'not found' | sort -u || true)
if [ -n "$missing" ]; then
    echo "build_bundle: libraries not found on this machine (the bundle expects them from the system):"
    echo "$missing"
fi

# The self-test runs with a clean environment: no venv, no PYTHONPATH, only the bundle.
clean_env=(env -i HOME="$HOME" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen)
echo "== self-test (offscreen)"
start=$(seconds)
"${clean_env[@]}" "$DIST/tokenworth" --self-test
selftest_time=$(took "$start")
offline="not run (unshare -n is not available here)"
if command -v unshare >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
    echo "== self-test (offscreen, network cut with unshare -n)"
    start=$(seconds)
    unshare -n "${clean_env[@]}" "$DIST/tokenworth" --self-test
    offline="passed in $(took "$start")"
elif command -v unshare >/dev/null 2>&1 && unshare -rn true 2>/dev/null; then
    echo "== self-test (offscreen, network cut with unshare -rn)"
    start=$(seconds)
    unshare -rn "${clean_env[@]}" "$DIST/tokenworth" --self-test
    offline="passed in $(took "$start")"
fi

tarball="not made (NO_TARBALL=1)"
if [ -z "${NO_TARBALL:-}" ]; then
    archive="dist/tokenworth-$VERSION-linux-$(uname -m).tar.gz"
    start=$(seconds)
    tar -C dist -czf "$archive" Tokenworth
    tarball="$archive, $(du -h "$archive" | cut -f1) ($(took "$start"))"
fi

echo "== done"
echo "bundle:    $DIST, $(du -sh "$DIST" | cut -f1) on disk, $(find "$DIST" -type f | wc -l) files"
echo "build:     $build_time"
echo "self-test: passed in $selftest_time; without network: $offline"
echo "tarball:   $tarball"
