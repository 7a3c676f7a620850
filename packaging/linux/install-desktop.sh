#!/bin/sh
# Put Tokenworth in your application menu (for you only, no root): run it from the unpacked
# bundle folder. `./install-desktop.sh --uninstall` takes the menu entry away again.
# Nothing is copied but the menu entry, its icons and the AppStream metadata; the app runs
# from this folder, so move the folder first if you want it elsewhere, then run this again.
set -eu

APP_ID=io.github.tokenworth.Tokenworth
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
DESKTOP="$DATA/applications/$APP_ID.desktop"
METAINFO="$DATA/metainfo/$APP_ID.metainfo.xml"
ICONS="$DATA/icons/hicolor"

refresh() {
    command -v update-desktop-database >/dev/null 2>&1 \
        && update-desktop-database -q "$DATA/applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 \
        && gtk-update-icon-cache -q -t "$ICONS" 2>/dev/null || true
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$DESKTOP" "$METAINFO"
    find "$ICONS" -name "$APP_ID.*" -path "*/apps/*" -delete 2>/dev/null || true
    refresh
    echo "Removed Tokenworth from the menu. Your journal is untouched."
    exit 0
fi

if [ ! -x "$HERE/tokenworth" ]; then
    echo "install-desktop.sh: run me from the unpacked Tokenworth folder (no ./tokenworth here)." >&2
    exit 2
fi

# The Desktop Entry spec's quoting: inside double quotes escape " ` $ \, then double every
# backslash (string escapes) and every % (field codes).
quoted=$(printf '%s' "$HERE/tokenworth" | sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g' -e 's/%/%%/g')
mkdir -p "$(dirname "$DESKTOP")" "$(dirname "$METAINFO")" "$ICONS"
while IFS= read -r line; do
    case $line in
        "Exec=tokenworth "*) printf 'Exec="%s" %s\n' "$quoted" "${line#Exec=tokenworth }" ;;
        TryExec=*) printf 'TryExec=%s\n' "$(printf '%s' "$HERE/tokenworth" | sed 's/\\/\\\\/g')" ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "$HERE/share/applications/$APP_ID.desktop" > "$DESKTOP.tmp"
mv "$DESKTOP.tmp" "$DESKTOP"
cp "$HERE/share/metainfo/$APP_ID.metainfo.xml" "$METAINFO"
cp -R "$HERE/share/icons/hicolor/." "$ICONS/"
refresh
echo "Tokenworth is in your application menu (entry: $DESKTOP)."
