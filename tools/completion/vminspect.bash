# SPDX-License-Identifier: GPL-2.0
# bash completion for vminspect(8).  Installed as
# $(PREFIX)/share/bash-completion/completions/vminspect.
# shellcheck shell=bash

# COMPREPLY: the words of $1 that start with $2.
_vminspect_reply()
{
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

# The process ids in /proc, and "self".
_vminspect_pids()
{
	local d pids=(self)
	for d in /proc/[0-9]*; do
		pids+=("${d#/proc/}")
	done
	_vminspect_reply "${pids[*]}" "$1"
}

_vminspect()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion -s || return
	else
		COMPREPLY=()
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local commands="status walk translate maps huge pgtables tlb export help"
	local global_opts="-h --help -V --version --color="

	# the command: the first word that is not a global option
	local i cmd="" cmd_at=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--color | --colour) ((i++)) ;;
		-*) ;;
		*)
			cmd=${words[i]}
			cmd_at=$i
			break
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		case $prev in
		--color | --colour)
			_vminspect_reply "auto always never" "$cur"
			return
			;;
		esac
		if [[ $cur == --color=* || $cur == --colour=* ]]; then
			_vminspect_reply "auto always never" "${cur#*=}"
			return
		fi
		if [[ $cur == -* ]]; then
			_vminspect_reply "$global_opts" "$cur"
			[[ ${COMPREPLY[*]} == --color= ]] && compopt -o nospace 2>/dev/null
		else
			_vminspect_reply "$commands" "$cur"
		fi
		return
	fi

	# arguments of options that take one
	case $prev in
	--output | --svg)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		compopt -o filenames 2>/dev/null
		return
		;;
	--pid)
		_vminspect_pids "$cur"
		return
		;;
	--cpu)
		local c cpus=()
		for c in /sys/devices/system/cpu/cpu[0-9]*; do
			cpus+=("${c##*/cpu}")
		done
		_vminspect_reply "${cpus[*]}" "$cur"
		return
		;;
	--top | --watch | --count)
		return # a number
		;;
	esac

	local opts=""
	case $cmd in
	status | translate) opts="--json --pretty" ;;
	maps) opts="--json --pretty --svg" ;;
	walk) opts="--per-page --holes --json --pretty" ;;
	huge) opts="--all --top --blocks --json --pretty" ;;
	pgtables) opts="--all --shared --top --json --pretty" ;;
	tlb) opts="--json --pretty --watch --count --pid --cpu --trace --reset --enable --disable" ;;
	export) opts="--prometheus --output --top" ;;
	help)
		((cword == cmd_at + 1)) &&
			_vminspect_reply "$commands" "$cur"
		return
		;;
	*) return ;;
	esac

	if [[ $cur == -* ]]; then
		_vminspect_reply "$opts --help" "$cur"
		return
	fi

	# the first positional argument of walk, translate, maps, huge and
	# pgtables: PID
	case $cmd in
	walk | translate | maps | huge | pgtables)
		local n=0
		for ((i = cmd_at + 1; i < cword; i++)); do
			case ${words[i]} in
			--top | --svg) ((i++)) ;;
			-*) ;;
			*) ((n++)) ;;
			esac
		done
		((n == 0)) && _vminspect_pids "$cur"
		;;
	esac
}

complete -F _vminspect vminspect
