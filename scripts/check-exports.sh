#!/usr/bin/env bash
# Checks that the installed library exports exactly what its installed headers declare:
#  - every function (or object) an installed header declares with TP_API is exported by
#    libterrapage.so and defined in libterrapage.a;
#  - every non-static function an installed header declares carries TP_API (otherwise a
#    game compiles against it and fails to link);
#  - libterrapage.so exports no tp_ symbol that no installed header declares.
#
#   scripts/check-exports.sh PREFIX          checks an installed tree
#   scripts/check-exports.sh --build BUILD   installs the build tree BUILD into a
#                                            temporary prefix and checks that
#
# The headers are read through the C preprocessor, as a compiler reads them, so macros,
# #if blocks, comments and declarations spread over several lines need no special
# handling: a declaration counts as TP_API when it carries the default-visibility
# attribute TP_API expands to. static (inline) functions in headers are not exports.
# Tools, overridable from the environment: CC (default cc), NM (nm), CMAKE (cmake).
set -euo pipefail
cc=${CC:-cc}
nm=${NM:-nm}
me=check-exports

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "${1:-}" = --build ] && [ $# -eq 2 ]; then
  prefix=$work/prefix
  "${CMAKE:-cmake}" --install "$2" --prefix "$prefix" >/dev/null
elif [ $# -eq 1 ]; then
  prefix=$1
else
  echo "usage: $0 PREFIX | --build BUILD_DIR" >&2
  exit 2
fi
prefix=$(cd "$prefix" && pwd -P)

export_h=$(find "$prefix" -path '*/include/terrapage/export.h' | head -n 1)
shared=$(find "$prefix" -name libterrapage.so | head -n 1)
static=$(find "$prefix" -name libterrapage.a | head -n 1)
for what in export_h shared static; do
  if [ -z "${!what}" ]; then
    echo "$me: no installed ${what/export_h/terrapage/export.h} under $prefix" >&2
    exit 1
  fi
done
incdir=$(dirname "$(dirname "$export_h")")

# ---- Declarations: "name kind header" for each top-level declaration of the installed
# headers, kind = api (TP_API function or object) or plain (non-static function without
# TP_API). Static functions, typedefs and type definitions are left out.
for h in "$incdir"/terrapage/*.h; do
  echo "#include \"terrapage/${h##*/}\""
done >"$work/all.c"
"$cc" -E -std=c11 -I"$incdir" "$work/all.c" >"$work/all.i"

awk -v headers="$incdir/terrapage/" '
function strip_attributes(s,    i, j, d, c) {
    while ((i = index(s, "__attribute__")) > 0) {
        d = 0
        for (j = i + 13; j <= length(s); j++) {
            c = substr(s, j, 1)
            if (c == "(") d++
            else if (c == ")" && --d == 0) break
        }
        s = substr(s, 1, i - 1) " " substr(s, j + 1)
    }
    return s
}
function has_word(s, w) { return s ~ ("(^|[^A-Za-z0-9_])" w "([^A-Za-z0-9_]|$)") }
function emit(s,    api, head, p, rest, name) {
    api = s ~ /visibility[ \t]*\([ \t]*"default"[ \t]*\)/
    if (has_word(s, "static") || has_word(s, "typedef") || has_word(s, "_Static_assert")) return
    s = strip_attributes(s)
    if (defines_function) sub(/\{.*/, "", s)   # keep the declarator of a definition
    else if (index(s, "{")) return             # struct, union or enum definition
    p = index(s, "(")
    if (p > 0) {
        head = substr(s, 1, p - 1)
        rest = substr(s, p + 1)
        if (head ~ /^[ \t]*$/) return
        if (rest ~ /^[ \t]*\*/) {              # pointer declarator: T (*name(args))(...)
            sub(/^[ \t]*\*[ \t]*/, "", rest)
            match(rest, /^[A-Za-z_][A-Za-z0-9_]*/)
            name = substr(rest, RSTART, RLENGTH)
        } else if (match(head, /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/)) {
            name = substr(head, RSTART, RLENGTH)
        }
    } else if (api) {                          # an exported object
        sub(/[=\[].*/, "", s)
        if (match(s, /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/)) name = substr(s, RSTART, RLENGTH)
    }
    gsub(/[ \t]/, "", name)
    if (name == "") return
    if (api) print name, "api", header
    else if (p > 0) print name, "plain", header
}
/^# [0-9]+ "/ {
    file = $3
    gsub(/"/, "", file)
    keep = index(file, headers) == 1
    if (keep) header = "terrapage/" substr(file, length(headers) + 1)
    next
}
!keep { next }
{
    line = $0
    n = length(line)
    for (i = 1; i <= n; i++) {
        c = substr(line, i, 1)
        if (c == "\"" || c == "\047") {        # a string or character literal, whole
            q = c
            for (j = i + 1; j <= n; j++) {
                d = substr(line, j, 1)
                if (d == "\\") j++
                else if (d == q) break
            }
            stmt = stmt substr(line, i, j - i + 1)
            i = j
            continue
        }
        if (c == "{") {
            if (depth == 0 && stmt ~ /\)[ \t]*$/) defines_function = 1
            depth++
        } else if (c == "}") {
            depth--
            if (depth == 0 && defines_function) {
                emit(stmt "{")
                stmt = ""
                defines_function = 0
                continue
            }
        } else if (c == ";" && depth == 0) {
            emit(stmt)
            stmt = ""
            continue
        }
        stmt = stmt c
    }
    stmt = stmt " "
}
' "$work/all.i" | sort -u >"$work/declared"

awk '$2 == "api" { print $1 }' "$work/declared" | sort -u >"$work/api"
"$nm" -D --defined-only "$shared" | awk 'NF == 3 && $2 ~ /^[A-Z]$/ && $3 ~ /^tp_/ {
    sub(/@.*/, "", $3); print $3 }' | sort -u >"$work/exported"
"$nm" --defined-only "$static" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[A-Z]$/ { print $3 }' |
  sort -u >"$work/defined"

failures=0
fail() {
  echo "$me: $*" >&2
  failures=$((failures + 1))
}
header_of() { awk -v n="$1" '$1 == n { print $3; exit }' "$work/declared"; }

if [ ! -s "$work/api" ]; then
  fail "found no TP_API declaration in $incdir/terrapage (is the header parser broken?)"
fi
if [ ! -s "$work/exported" ]; then
  fail "$shared exports no tp_ symbol"
fi
while read -r name; do
  fail "$name ($(header_of "$name")) is declared TP_API but ${shared##*/} does not export it"
done < <(comm -23 "$work/api" "$work/exported")
while read -r name; do
  fail "$name ($(header_of "$name")) is declared TP_API but ${static##*/} does not define it"
done < <(comm -23 "$work/api" "$work/defined")
while read -r name _ header; do
  fail "$name ($header) is declared without TP_API, so a game cannot link it"
done < <(awk '$2 == "plain"' "$work/declared")
while read -r name; do
  fail "${shared##*/} exports $name, which no installed header declares with TP_API"
done < <(comm -13 "$work/api" "$work/exported")

if [ "$failures" -ne 0 ]; then
  echo "$me: $failures problem(s) between the installed headers and libterrapage" >&2
  exit 1
fi
echo "$me: the $(wc -l <"$work/api") TP_API declarations of the installed headers are" \
     "exactly what ${shared##*/} exports, and ${static##*/} defines them all"
