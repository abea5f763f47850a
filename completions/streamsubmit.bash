# bash completion for streamsubmit. The binary answers itself (`streamsubmit __complete --
# WORD...`, from its parser and configuration table), so completions never drift from it:
# subcommands, options, option values (--sink, --mode, ...), and the keys after --conf and
# their values. Install: copy to /usr/share/bash-completion/completions/streamsubmit, or
# `source` it from ~/.bashrc.
_streamsubmit() {
    # The words up to the cursor, split on blanks only: bash's own COMP_WORDS splits
    # --conf KEY=VALUE at '=' (COMP_WORDBREAKS).
    local line=${COMP_LINE:0:COMP_POINT}
    local -a words
    read -r -a words <<<"$line"
    [[ $line =~ [[:space:]]$ ]] && words+=("")
    local cur=${words[${#words[@]}-1]}
    local IFS=$'\n' candidate
    local -a replies=()
    for candidate in $("${words[0]}" __complete -- "${words[@]:1}" 2>/dev/null); do
        case $candidate in
            @files) replies+=($(compgen -f -- "$cur")) ;;
            @dirs) replies+=($(compgen -d -- "$cur")) ;;
            *) replies+=("$candidate") ;;
        esac
    done
    # A key waiting for its value: no space after "KEY=".
    [[ ${#replies[@]} -eq 1 && ${replies[0]} == *= ]] && compopt -o nospace 2>/dev/null
    # bash replaces only the part of the word after its last '=' or ':' (COMP_WORDBREAKS).
    local broken=${cur%"${cur##*[=:]}"}
    [[ -n $broken ]] && replies=("${replies[@]#"$broken"}")
    COMPREPLY=("${replies[@]}")
}
complete -F _streamsubmit streamsubmit
