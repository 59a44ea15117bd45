
set edit:completion:arg-completer[awsmfa] = { |@words|
    var index = (count $words)
    set index = (- $index 1)

    put (env _CLAP_IFS="\n" _CLAP_COMPLETE_INDEX=(to-string $index) _AWSMFA_COMPLETE="elvish" awsmfa -- $@words) | to-lines
}

