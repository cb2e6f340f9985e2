#!/bin/sh
# gen-man.sh BINARY TEMPLATE VERSION OUT: write the jmpflash(1) man page.
# The COMMANDS and GLOBAL OPTIONS sections are the text of every --help the
# binary prints (walked from `jmpflash --help`), turned into troff; the rest
# (exit status, config keys, environment, files, examples) is TEMPLATE.
# So the options in the page are the options in the binary, always
# (tests/package/man.sh checks it).
set -eu
bin=$1 template=$2 version=$3 out=$4

# help2troff: one --help text on stdin to troff. Option lines become .TP
# entries, wrapped continuation lines join their entry; usage and summary
# lines are dropped (the caller prints its own heading).
help2troff() {
	awk '
	function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); return s }
	function text(s) { gsub(/\\/, "\\e", s); sub(/^[.\047]/, "\\\\\\&&", s); return s }
	function flush() { if (opt != "") { print ".TP"; print opt; print text(help) } opt = "" }
	/^(Global options|Options):$/ { inopts = 1; next }
	/^[A-Za-z]/ { flush(); inopts = 0; next }
	inopts && /^  +-/ {
		flush()
		line = $0; sub(/^ +/, "", line)
		if (match(line, /  +/)) { left = substr(line, 1, RSTART - 1); help = substr(line, RSTART + RLENGTH) }
		else { left = line; help = "" }
		n = split(left, w, " "); opt = ""
		for (i = 1; i <= n; i++) {
			if (w[i] ~ /^-/) opt = opt (opt == "" ? "" : " ") "\\fB" esc(w[i]) "\\fR"
			else opt = opt " \\fI" esc(w[i]) "\\fR"
		}
		next
	}
	inopts && /^ +[^ ]/ && opt != "" { line = $0; sub(/^ +/, "", line); help = help " " line; next }
	END { flush() }'
}

# The second line after "Usage:" is the summary; the usage line is the synopsis.
usage_of() { sed -n 's/^Usage: //p' | head -n 1; }
summary_of() { awk 'NR == 3 { print; exit }'; }
# Names listed under "Commands:".
commands_of() { awk '/^Commands:$/ { c = 1; next } /^$/ { c = 0 } c && /^  [a-z]/ { print $1 }'; }

leaf() { # leaf "storage flash"
	# shellcheck disable=SC2086
	h=$("$bin" $1 --help)
	printf '.SS "%s"\n' "$(printf '%s\n' "$h" | usage_of | sed 's/-/\\-/g')"
	printf '%s\n' "$h" | summary_of | sed 's/\\/\\e/g; s/^[.'"'"']/\\\&&/'
	printf '%s\n' "$h" | help2troff
}

commands() {
	for c in $("$bin" --help | commands_of); do
		subs=$("$bin" "$c" --help | commands_of)
		if [ -z "$subs" ]; then
			leaf "$c"
		else
			for s in $subs; do leaf "$c $s"; done
		fi
	done
}

tmp=$out.tmp
{
	sed -n '1,/^@GLOBAL_OPTIONS@$/p' "$template" | sed '$d'
	"$bin" --help | help2troff
	sed -n '/^@GLOBAL_OPTIONS@$/,/^@COMMANDS@$/p' "$template" | sed '1d;$d'
	commands
	sed -n '/^@COMMANDS@$/,$p' "$template" | sed '1d'
} | sed "s/@VERSION@/$version/g" >"$tmp"
mv "$tmp" "$out"
