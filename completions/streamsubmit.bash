# bash completion for streamsubmit. Options come from `streamsubmit --help` and the
# configuration keys from `streamsubmit config`, so they never drift from the binary.
_streamsubmit() {
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
    }
    local subcommands="submit resolve publish mock-cluster config"
    local sub="" w
    for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
        case " $subcommands " in *" $w "*) sub=$w; break ;; esac
    done
    case "$prev" in
        -c|--conf)
            local keys
            keys=$(streamsubmit config 2>/dev/null | awk '{print $1 "="}')
            compopt -o nospace 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -W "$keys" -- "$cur")
            return ;;
        --mode) mapfile -t COMPREPLY < <(compgen -W "direct receiver" -- "$cur"); return ;;
        --output) mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur"); return ;;
        --until) mapfile -t COMPREPLY < <(compgen -W "latest" -- "$cur"); return ;;
        --master) mapfile -t COMPREPLY < <(compgen -W "local local[*] local[1] local[2] local[4]" -- "$cur"); return ;;
        --checkpoint|--properties-file|--plugins|--lockfile|--file|--pom)
            mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    esac
    if [[ $cur == -* ]]; then
        local opts
        opts=$(streamsubmit ${sub:+$sub} --help 2>/dev/null | grep -oE -- '--?[A-Za-z][A-Za-z-]*' | sort -u)
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    elif [ -z "$sub" ]; then
        mapfile -t COMPREPLY < <(compgen -W "$subcommands" -- "$cur")
    fi
}
complete -F _streamsubmit streamsubmit
