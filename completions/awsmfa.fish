complete --keep-order --exclusive --command awsmfa --arguments "(_AWSMFA_COMPLETE=fish awsmfa -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
