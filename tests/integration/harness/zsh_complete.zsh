#!/usr/bin/env zsh
# Prints, one per line, what zsh's completion system offers for a command line typed up to a
# TAB: `zsh_complete.zsh FPATH_DIR 'streamsubmit --sink '`. An interactive zsh runs in a
# pseudo-terminal (zsh/zpty) with compinit and FPATH_DIR first on $fpath; its compadd is
# wrapped to print every match between two NUL lines (the technique of Valodim's
# zsh-capture-completion, MIT). Exit 2 if the inner shell did not start.
zmodload zsh/zpty || exit 2
local dir=$1 typed=$2 line
zpty z zsh -f -i
setup=$(mktemp)
trap 'rm -f $setup' EXIT
cat >$setup <<SETUP
PROMPT=
fpath=($dir \$fpath)
autoload -U compinit
compinit -u -d $setup.zcompdump
bindkey '^M' undefined
bindkey '^J' undefined
bindkey '^I' complete-word
null-line () { echo -E - \$'\0' }
compprefuncs=( null-line )
comppostfuncs=( null-line exit )
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
compadd () {
    if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
        builtin compadd "\$@"
        return \$?
    fi
    typeset -a __hits
    builtin compadd -A __hits "\$@"
    local hit
    for hit in \$__hits; do echo -E - "<match>\$hit"; done
}
echo ok
SETUP
zpty -w z "source $setup"
repeat 10; do
    zpty -r z line || break
    [[ $line == ok* ]] && break
done
[[ $line == ok* ]] || { echo "zsh_complete: the inner zsh did not start" >&2; exit 2 }
zpty -w -n z "$typed"$'\t'
integer seen=0
while zpty -r z line; do
    [[ $line == *$'\0'* ]] && { (( seen++ )) && break || continue }
    line=${line%$'\n'}
    (( seen )) && [[ $line == *'<match>'* ]] && print -r -- "${${line#*<match>}%$'\r'}"
done
zpty -d z
rm -f $setup.zcompdump
