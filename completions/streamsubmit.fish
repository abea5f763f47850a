# fish completion for streamsubmit. The binary answers itself (`streamsubmit __complete --
# WORD...`, from its parser and configuration table): subcommands, options, option values,
# and the keys after --conf and their values. Install: copy to
# ~/.config/fish/completions/streamsubmit.fish (or a vendor_completions.d directory).
function __streamsubmit_complete
    set -l words (commandline -opc) (commandline -ct)
    for candidate in (command $words[1] __complete -- $words[2..-1] 2>/dev/null)
        switch $candidate
            case @files
                __fish_complete_path (commandline -ct)
            case @dirs
                __fish_complete_directories (commandline -ct)
            case '*'
                echo $candidate
        end
    end
end
complete -c streamsubmit -f -a '(__streamsubmit_complete)'
