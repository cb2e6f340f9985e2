# bash completion for jmpflash                              -*- shell-script -*-
# Commands and options come from the binary's own --help (so they cannot
# drift); export names from `jmpflash -c FILE config check`; target names
# from the flasher bundle's manifest (`jmpflash bundle inspect --offline`).

# Options (-x and --long) listed in the --help of `jmpflash $*`.
_jmpflash_opts()
{
	"$_jmpflash_bin" "$@" --help 2>/dev/null |
		sed -n 's/^  \(-[A-Za-z0-9]\), \(--[a-z0-9-]*\).*/\1 \2/p; s/^ \{6\}\(--[a-z0-9-]*\).*/\1/p'
}

# Options of `jmpflash $*` that take a value, with the value's name: "--log FILE".
_jmpflash_valued()
{
	"$_jmpflash_bin" "$@" --help 2>/dev/null |
		sed -n 's/^ *\(-[A-Za-z0-9], \)\{0,1\}\(--[a-z0-9-]*\) \([^ ]\{1,\}\( [^ ]\{1,\}\)*\)  .*/\1\2 \3/p' |
		sed 's/, / /'
}

# Commands listed under "Commands:" in the --help of `jmpflash $*`.
_jmpflash_cmds()
{
	"$_jmpflash_bin" "$@" --help 2>/dev/null |
		awk '/^Commands:$/ { c = 1; next } /^$/ { c = 0 } c && /^  [a-z]/ { print $1 }'
}

# The exporter config options given so far: (-c FILE) or nothing.
_jmpflash_config_args()
{
	[ -n "$_jmpflash_config" ] && printf '%s\n' -c "$_jmpflash_config"
}

_jmpflash_exports()
{
	local -a cfg
	mapfile -t cfg < <(_jmpflash_config_args)
	"$_jmpflash_bin" "${cfg[@]}" config check 2>/dev/null |
		sed -n 's/^  \([^ :][^ :]*\): .*/\1/p; s/^  \([^ :][^ :]*\) -> .*/\1/p'
}

# Targets of the flasher's bundle: --force-flash-bundle, else the config's
# flasher_bundle. Only a local bundle or one already in the cache (never
# the network from a Tab press).
_jmpflash_targets()
{
	local bundle=$_jmpflash_bundle
	local -a cfg
	if [ -z "$bundle" ]; then
		mapfile -t cfg < <(_jmpflash_config_args)
		bundle=$("$_jmpflash_bin" "${cfg[@]}" config check 2>/dev/null |
			sed -n 's/^ *flasher_bundle: \(.*\)$/\1/p' | head -n 1)
	fi
	[ -n "$bundle" ] || return 0
	"$_jmpflash_bin" bundle inspect --offline --no-progress "$bundle" 2>/dev/null |
		awk '/^targets:/ { t = 1; next } /^[a-z]/ { t = 0 } t && /^  [^ ]/ { print $1 }'
}

_jmpflash()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion || return
	else
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi
	_jmpflash_bin=${words[0]}
	_jmpflash_config='' _jmpflash_bundle=''

	# Walk the words before the cursor: global options, the command, the
	# subcommand (for groups), and the values of options that take one.
	local -a path=()
	local i w valued subs expect_value=''
	valued=$(_jmpflash_valued)
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if [ -n "$expect_value" ]; then
			case $expect_value in
			-c | --config) _jmpflash_config=$w ;;
			--force-flash-bundle) _jmpflash_bundle=$w ;;
			esac
			expect_value=''
			continue
		fi
		case $w in
		--*=*) continue ;;
		-*)
			if printf '%s\n' "$valued" | grep -q -- "\(^\| \)$w "; then
				expect_value=$w
			fi
			continue ;;
		esac
		if [ ${#path[@]} -eq 0 ]; then
			path=("$w")
			valued=$(_jmpflash_valued "$w")
		elif [ ${#path[@]} -eq 1 ] && [ -n "$(_jmpflash_cmds "${path[0]}")" ]; then
			path+=("$w")
			valued=$(_jmpflash_valued "${path[@]}")
		fi
	done

	# The value of an option.
	if [ -n "$expect_value" ]; then
		local what
		what=$(printf '%s\n' "$valued" | grep -- "\(^\| \)$expect_value " | awk '{ print $NF }' | head -n 1)
		case $expect_value in
		-c | --config) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
		-e | --export) mapfile -t COMPREPLY < <(compgen -W "$(_jmpflash_exports)" -- "$cur") ;;
		--target) mapfile -t COMPREPLY < <(compgen -W "$(_jmpflash_targets)" -- "$cur") ;;
		--log-level) mapfile -t COMPREPLY < <(compgen -W "debug info warn error" -- "$cur") ;;
		*)
			case $what in
			*'|'*) mapfile -t COMPREPLY < <(compgen -W "${what//|/ }" -- "$cur") ;;
			DIR) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
			FILE | PART:FILE) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
			*) COMPREPLY=() ;;
			esac ;;
		esac
		return 0
	fi

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_jmpflash_opts "${path[@]}")" -- "$cur")
		return 0
	fi
	if [ ${#path[@]} -eq 0 ]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_jmpflash_cmds)" -- "$cur")
		return 0
	fi
	if [ ${#path[@]} -eq 1 ]; then
		subs=$(_jmpflash_cmds "${path[0]}")
		if [ -n "$subs" ]; then
			mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
			return 0
		fi
	fi
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

complete -F _jmpflash jmpflash
