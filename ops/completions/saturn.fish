function __saturn_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __saturn_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __saturn_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __saturn_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __saturn_parse_tokens -S
    set -l unparsed_tokens (__saturn_tokens -pc)
    switch $unparsed_tokens[1]
    case 'saturn'
        __saturn_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'demo'
            __saturn_parse_subcommand 0 'requests=' 'load=' 'sla-ms=' 'ttft-ms=' 'workers=' 'variant=' 'speedup=' 'noise=' 'seed=' 'grid-tokens=' 'grid-seqs=' 'h/help'
        case 'agent'
            __saturn_parse_subcommand 0 'config=' 'set=+' 'print-config' 'node-id=' 'telemetry=' 'query=' 'broadcast=' 'advertise=' 'peer=+' 'snapshot-from=+' 'forwarder=+' 'fpm=+' 'metrics=' 'curve-key=' 'allow=' 'insecure' 'state-dir=' 'families=' 'log-level=' 'h/help'
        case 'forwarder'
            __saturn_parse_subcommand 0 'frontend=' 'backend=' 'log-level=' 'h/help'
        case 'fit'
            __saturn_parse_subcommand 1 'loss=' 'json' 'min-ms=' 'max-ms=' 'drop-invalid' 'where=+' 'model=' 'reject-z=' 'no-reject' 'h/help'
        case 'eval'
            __saturn_parse_subcommand -r 1 'out=' 'json' 'cv' 'min-ms=' 'max-ms=' 'drop-invalid' 'where=+' 'reject-z=' 'no-reject' 'h/help'
        case 'bench'
            __saturn_parse_subcommand 0 'rows=' 'repeats=' 'python=' 'scipy-script=' 'no-scipy' 'loss=' 'scipy-threads=' 'families' 'table=' 'prediction-calls=' 'min-ms=' 'max-ms=' 'drop-invalid' 'where=+' 'reject-z=' 'no-reject' 'h/help'
        case 'bench-bus'
            __saturn_parse_subcommand 0 'messages=' 'workers=+' 'round-trips=' 'repeats=' 'clients=' 'seconds=' 'busy-core' 'scrape-rate=' 'measure=+' 'agent-only' 'h/help'
        case 'experiment'
            __saturn_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'adapt'
                __saturn_parse_subcommand 0 'from=' 'to=' 'trials=' 'seed=' 'stable=' 'switched=' 'noise=' 'rate=' 'path=+' 'json' 'min-ms=' 'max-ms=' 'drop-invalid' 'where=+' 'h/help'
            end
        case 'plan'
            __saturn_parse_subcommand 0 'parameters=' 'table=' 'min-ms=' 'max-ms=' 'drop-invalid' 'where=+' 'sla-ms=' 'ttft-ms=' 'min-batch=' 'max-batch=' 'max-tokens=' 'trace=' 'mean-prompt=' 'prompt-sd=' 'prompt-quantile-tokens=' 'mean-output=' 'quantile=' 'rate=' 'margin=' 'sequence-caps=' 'json' 'h/help'
        case 'simulate'
            __saturn_parse_subcommand 0 'trace=' 'truth=+' 'sla-ms=' 'ttft-ms=' 'load=' 'requests=' 'noise=' 'seed=' 'kv-tokens=' 'grid-tokens=' 'grid-seqs=' 'json' 'all-static' 'saturn=' 'agent-telemetry=' 'agent-adaptation=' 'agent-query=' 'steps-csv=' 'svg-dir=' 'h/help'
        case 'keygen'
            __saturn_parse_subcommand 1 'force' 'h/help'
        case 'help'
            __saturn_parse_subcommand -r 1 
        end
    end
end

function __saturn_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __saturn_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __saturn_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __saturn_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__saturn_tokens -p)
    if test -z "$(__saturn_tokens -t)"
        set -l index (count (__saturn_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'saturn' -f
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn" -eq 1' -fa 'demo' -d 'Serve a real request trace on simulated workers that admit through a live agent on loopback.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn" -eq 1' -fa 'agent' -d 'Run the per-node agent: telemetry in, queries, parameter broadcasts.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn" -eq 1' -fa 'forwarder' -d 'Forward parameter broadcasts (XSUB -> XPUB) so a cluster need not be a full mesh.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn" -eq 1' -fa 'fit' -d 'Fit the latency model to a CSV of steps (columns B, S, T_ms; kv_tokens, step_type, prefill columns for the kv and kvq models).'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn" -eq 1' -fa 'eval' -d 'Compare the saturation model (SSE and relative loss) with linear and polynomial baselines.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn" -eq 1' -fa 'bench' -d 'Benchmark prediction and fitting against SciPy (build with -c release for meaningful numbers).'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn" -eq 1' -fa 'bench-bus' -d 'Benchmark telemetry ingest, predict round trips and concurrent queries against raw libzmq.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn" -eq 1' -fa 'experiment' -d 'Experiments through the real agent code path.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn" -eq 1' -fa 'plan' -d 'SLA inverse, capacity, replicas and a static budget (max_num_batched_tokens, max_num_seqs) from a fitted model.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn" -eq 1' -fa 'simulate' -d 'Simulate continuous batching on a request trace with a ground truth from real step tables.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn" -eq 1' -fa 'keygen' -d 'Write a CURVE key pair: NAME.key (secret, mode 0600) and NAME.pub (public).'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn demo" requests' -l 'requests' -d 'Requests of the embedded trace to serve (1...2000).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn demo" load' -l 'load' -d 'Load factor: multiple of the trace\'s arrival rate.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn demo" sla-ms' -l 'sla-ms' -d 'Step-latency SLA in ms (token gaps are held to it).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn demo" ttft-ms' -l 'ttft-ms' -d 'Time-to-first-token target in ms.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn demo" workers' -l 'workers' -d 'Simulated workers (engines behind a round-robin router).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn demo" variant' -l 'variant' -d 'Saturn\'s variant: saturn (FCFS), saturn-spf (shortest prompt first), saturn-defer / saturn-drop (requests whose TTFT is lost go last / are dropped), saturn-spf-drop; see `saturn simulate`.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn demo" speedup' -l 'speedup' -d 'Simulated seconds per second of wall time at most (0: as fast as possible; default: 25, or more if the arrivals would then span more than 20 s of wall time).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn demo" noise' -l 'noise' -d 'Relative standard deviation of the truth\'s multiplicative noise.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn demo" seed' -l 'seed' -d 'Seed of the truth\'s noise.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn demo" grid-tokens' -l 'grid-tokens' -d 'max_num_batched_tokens values of the static grid (comma-separated).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn demo" grid-seqs' -l 'grid-seqs' -d 'max_num_seqs values of the static grid (comma-separated).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn demo" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" config' -l 'config' -d 'JSON configuration file (// line comments allowed; example: ops/deploy/saturn-agent.jsonc).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent"' -l 'set' -d 'Set one configuration field, e.g. fitEvery=200 or idleFitSeconds=0.5 (repeatable).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" print-config' -l 'print-config' -d 'Print the resolved configuration as JSON and exit.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" node-id' -l 'node-id' -d 'Node id in broadcasts (default: <hostname>-<pid>). Same as --set nodeID=...' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" telemetry' -l 'telemetry' -d 'Telemetry SUB bind endpoint. Same as --set telemetryEndpoint=...' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" query' -l 'query' -d 'Query ROUTER bind endpoint. Same as --set queryEndpoint=...' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" broadcast' -l 'broadcast' -d 'Broadcast PUB bind endpoint. Same as --set broadcastEndpoint=...' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" advertise' -l 'advertise' -d 'Query endpoint advertised to peers (default: the bound one).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent"' -l 'peer' -d 'A peer as BROADCAST[,QUERY[,SERVERKEY]] (repeatable); QUERY enables snapshots; SERVERKEY is the peer\'s .pub file under CURVE (default: this agent\'s own public key).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent"' -l 'snapshot-from' -d 'Extra query endpoint to snapshot on start (repeatable).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent"' -l 'forwarder' -d 'Forwarder XSUB endpoint to publish to as well (repeatable).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent"' -l 'fpm' -d 'An engine\'s Forward Pass Metrics publisher to connect to, and the key of its steps (repeatable), e.g. tcp://10.0.0.5:20380=llama-3-8b@h100-tp1. Same as the configuration\'s "fpm" array.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" metrics' -l 'metrics' -d 'Serve GET /metrics (Prometheus) on HOST:PORT, or on 127.0.0.1:PORT for a bare PORT. Same as --set metrics=...' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" curve-key' -l 'curve-key' -d 'CURVE: this agent\'s secret key file (saturn keygen). Same as --set curveKey=...' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" allow' -l 'allow' -d 'CURVE: allow-list directory (*.pub in workers/, routers/, peers/). Same as --set allowDirectory=...' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" insecure' -l 'insecure' -d 'Allow binding a non-loopback address without CURVE (logs a warning). Same as --set insecure=true'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" state-dir' -l 'state-dir' -d 'Directory of the crash-safe state (accepted sets, update records), reloaded on start. Same as --set stateDirectory=...' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" families' -l 'families' -d 'Model families a key may use, comma-separated, base included (base, kv, kvq; default all). Cross-validation on each key\'s window chooses among them; \'base\' alone turns the choice off. Same as --set families=\'["base",...]\'' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" log-level' -l 'log-level' -d 'Log level: trace, debug, info, notice, warning, error, critical.' -rfka 'trace debug info notice warning error critical'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn agent" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn forwarder" frontend' -l 'frontend' -d 'XSUB bind endpoint (publishers connect here).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn forwarder" backend' -l 'backend' -d 'XPUB bind endpoint (subscribers connect here).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn forwarder" log-level' -l 'log-level' -d 'Log level: trace, debug, info, notice, warning, error, critical.' -rfka 'trace debug info notice warning error critical'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn forwarder" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn fit" loss' -l 'loss' -d 'Loss: sse (sum of squared errors) or relative (squared relative errors).' -rfka 'sse relative'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn fit" json' -l 'json' -d 'Print one JSON object instead of a table.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn fit" min-ms' -l 'min-ms' -d 'Exclusive lower end of the latency window (ms).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn fit" max-ms' -l 'max-ms' -d 'Exclusive upper end of the latency window (ms); inf for none.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn fit" drop-invalid' -l 'drop-invalid' -d 'Drop rows with NaN, infinite, zero or negative B, S or T_ms (counted by reason) instead of failing.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn fit"' -l 'where' -d 'Keep only rows whose COLUMN equals VALUE (repeatable).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn fit" model' -l 'model' -d 'Model: base (8 parameters), kv (+ tau_K x kv_tokens), kvq (+ tau_Q x sum of prefill chunk^2), or auto (chosen by 5-fold cross-validation grouped by measured setting).' -rfka 'base kv kvq auto'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn fit" reject-z' -l 'reject-z' -d 'Robust gate: reject rows whose relative residual lies more than Z robust standard deviations (1.4826 x MAD, at least 5%) from the median, then refit (up to 3 rounds).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn fit" no-reject' -l 'no-reject' -d 'No robust gate: fit every row the filter keeps.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn fit" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn eval" out' -l 'out' -d 'Write residual SVG plots and the Markdown table (eval.md) into this directory.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn eval" json' -l 'json' -d 'Print JSON instead of Markdown.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn eval" cv' -l 'cv' -d 'Cross-validate the model family instead (base, kv, kvq; relative loss, robust gate): 5 folds grouped by distinct (B, S, step_type, kv_tokens), the choice, and the rows rejected.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn eval" min-ms' -l 'min-ms' -d 'Exclusive lower end of the latency window (ms).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn eval" max-ms' -l 'max-ms' -d 'Exclusive upper end of the latency window (ms); inf for none.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn eval" drop-invalid' -l 'drop-invalid' -d 'Drop rows with NaN, infinite, zero or negative B, S or T_ms (counted by reason) instead of failing.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn eval"' -l 'where' -d 'Keep only rows whose COLUMN equals VALUE (repeatable).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn eval" reject-z' -l 'reject-z' -d 'Robust gate: reject rows whose relative residual lies more than Z robust standard deviations (1.4826 x MAD, at least 5%) from the median, then refit (up to 3 rounds).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn eval" no-reject' -l 'no-reject' -d 'No robust gate: fit every row the filter keeps.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn eval" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" rows' -l 'rows' -d 'Rows of the synthetic fit table.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" repeats' -l 'repeats' -d 'Timed repetitions of each fit (the median is reported).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" python' -l 'python' -d 'Python interpreter with numpy and scipy.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" scipy-script' -l 'scipy-script' -d 'The SciPy side of the benchmark.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" no-scipy' -l 'no-scipy' -d 'Skip the SciPy comparison.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" loss' -l 'loss' -d 'Loss of the timed fits: sse or relative.' -rfka 'sse relative'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" scipy-threads' -l 'scipy-threads' -d 'OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) for the SciPy process (one thread is faster at this size).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" families' -l 'families' -d 'Measure instead the fit time and the prediction cost of each model family (base, kv, kvq) on a step table (--table; --loss, the row filter and the robust gate as given).'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" table' -l 'table' -d 'Step CSV of --families (default: data/steps_vidur_llama2-7b_a100_tp1.csv with --where fits_kv_capacity=1).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" prediction-calls' -l 'prediction-calls' -d 'Predictions per arm and round of --families (rounded up to whole passes over 4,096 rows).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" min-ms' -l 'min-ms' -d 'Exclusive lower end of the latency window (ms).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" max-ms' -l 'max-ms' -d 'Exclusive upper end of the latency window (ms); inf for none.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" drop-invalid' -l 'drop-invalid' -d 'Drop rows with NaN, infinite, zero or negative B, S or T_ms (counted by reason) instead of failing.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench"' -l 'where' -d 'Keep only rows whose COLUMN equals VALUE (repeatable).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" reject-z' -l 'reject-z' -d 'Robust gate: reject rows whose relative residual lies more than Z robust standard deviations (1.4826 x MAD, at least 5%) from the median, then refit (up to 3 rounds).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" no-reject' -l 'no-reject' -d 'No robust gate: fit every row the filter keeps.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench-bus" messages' -l 'messages' -d 'Telemetry messages per ingest run (all serialised before timing).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench-bus"' -l 'workers' -d 'Distinct worker ids in the ingest runs (repeat the option for several configurations).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench-bus" round-trips' -l 'round-trips' -d 'Timed round trips per latency run (after 1,000 warm-up).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench-bus" repeats' -l 'repeats' -d 'Alternating raw/agent runs of each measurement (medians are reported).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench-bus" clients' -l 'clients' -d 'Concurrent DEALER clients for the throughput run (0 skips it).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench-bus" seconds' -l 'seconds' -d 'Seconds of the concurrent-clients run.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench-bus" busy-core' -l 'busy-core' -d 'Keep one core busy with a spin thread during the measurement.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench-bus" scrape-rate' -l 'scrape-rate' -d 'Scrapes per second of /metrics in the scrape measurement.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench-bus"' -l 'measure' -d 'What to measure (repeat the option; default: every part).' -rfka 'ingest round-trip queries updates decisions scrape flood'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench-bus" agent-only' -l 'agent-only' -d 'Skip the raw runs (e.g. to profile the agent alone).'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn bench-bus" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_positional "saturn experiment" -eq 1' -fa 'adapt' -d 'Replay a switch from one step table to another through a live agent and measure adaptation.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" from' -l 'from' -d 'Step table before the switch (CSV with B, S, T_ms).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" to' -l 'to' -d 'Step table after the switch.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" trials' -l 'trials' -d 'Seeded trials per path.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" seed' -l 'seed' -d 'Seed of the first trial (trial i uses seed + i).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" stable' -l 'stable' -d 'Steps before the switch.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" switched' -l 'switched' -d 'Steps after the switch.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" noise' -l 'noise' -d 'Multiplicative latency noise (standard deviation).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" rate' -l 'rate' -d 'Steps per second published (and predicted).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt"' -l 'path' -d 'Adaptation paths to run (repeatable): both, updater, refit.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" json' -l 'json' -d 'Print one JSON object instead of tables.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" min-ms' -l 'min-ms' -d 'Exclusive lower end of the latency window (ms).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" max-ms' -l 'max-ms' -d 'Exclusive upper end of the latency window (ms); inf for none.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" drop-invalid' -l 'drop-invalid' -d 'Drop rows with NaN, infinite, zero or negative B, S or T_ms (counted by reason) instead of failing.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt"' -l 'where' -d 'Keep only rows whose COLUMN equals VALUE (repeatable).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn experiment adapt" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" parameters' -l 'parameters' -d 'Parameter file: `saturn fit --json` output, or a JSON object of the 8 parameters.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" table' -l 'table' -d 'Step CSV (B, S, T_ms) to fit on the fly instead of --parameters.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" min-ms' -l 'min-ms' -d 'Exclusive lower end of the latency window (ms).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" max-ms' -l 'max-ms' -d 'Exclusive upper end of the latency window (ms); inf for none.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" drop-invalid' -l 'drop-invalid' -d 'Drop rows with NaN, infinite, zero or negative B, S or T_ms (counted by reason) instead of failing.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan"' -l 'where' -d 'Keep only rows whose COLUMN equals VALUE (repeatable).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" sla-ms' -l 'sla-ms' -d 'Step-latency SLA (ms).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" ttft-ms' -l 'ttft-ms' -d 'TTFT target (ms) at --quantile.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" min-batch' -l 'min-batch' -d 'Smallest batch size of the SLA inverse table and the capacity search.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" max-batch' -l 'max-batch' -d 'Largest batch size of the SLA inverse table and the capacity search.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" max-tokens' -l 'max-tokens' -d 'Largest step token count of the SLA inverse and capacity search.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" trace' -l 'trace' -d 'Request trace CSV (arrival_s, input_tokens, output_tokens) giving the workload and its rate.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" mean-prompt' -l 'mean-prompt' -d 'Mean prompt tokens per request.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" prompt-sd' -l 'prompt-sd' -d 'Standard deviation of prompt tokens.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" prompt-quantile-tokens' -l 'prompt-quantile-tokens' -d 'Prompt tokens at --quantile.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" mean-output' -l 'mean-output' -d 'Mean output tokens per request.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" quantile' -l 'quantile' -d 'Quantile the TTFT target applies to.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" rate' -l 'rate' -d 'Requests/s to plan for (default: the trace\'s mean rate).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" margin' -l 'margin' -d 'Safety margin: a fraction in [0, 1), `auto` (from the fit\'s p95 relative error) or `observed` (from the --table steps\' under-prediction near the SLA).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" sequence-caps' -l 'sequence-caps' -d 'Candidate max_num_seqs values, comma-separated (default 8,16,24,32,48,64,96,128,192,256,384,512).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" json' -l 'json' -d 'Print one JSON object instead of tables.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn plan" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" trace' -l 'trace' -d 'Request trace CSV (arrival_s,input_tokens,output_tokens).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate"' -l 'truth' -d 'Step table CSV used as ground truth (repeatable: one scenario each).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" sla-ms' -l 'sla-ms' -d 'Step-latency SLA in ms (token gaps are held to it).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" ttft-ms' -l 'ttft-ms' -d 'Time-to-first-token target in ms.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" load' -l 'load' -d 'Load factors (comma-separated multiples of the trace\'s arrival rate), e.g. 0.5,1,2,4.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" requests' -l 'requests' -d 'Use the first N requests of the trace.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" noise' -l 'noise' -d 'Relative standard deviation of the truth\'s multiplicative noise.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" seed' -l 'seed' -d 'Seed of the truth\'s noise.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" kv-tokens' -l 'kv-tokens' -d 'KV-cache capacity in tokens (default: derived from the table\'s model and GPUs).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" grid-tokens' -l 'grid-tokens' -d 'max_num_batched_tokens values of the static grid (comma-separated).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" grid-seqs' -l 'grid-seqs' -d 'max_num_seqs values of the static grid (comma-separated).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" json' -l 'json' -d 'Print one JSON object instead of tables.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" all-static' -l 'all-static' -d 'Report every static grid setting, not only the best and the default.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" saturn' -l 'saturn' -d 'Saturn variants to run (comma-separated; \'none\' for none): saturn (over the bus, FCFS), saturn-spf (shortest prompt first), saturn-defer / saturn-drop (requests whose TTFT is lost go last / are dropped), saturn-spf-drop, saturn-inprocess (in-process online fit, FCFS).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" agent-telemetry' -l 'agent-telemetry' -d 'Telemetry endpoint of a running agent (default: start one in process).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" agent-adaptation' -l 'agent-adaptation' -d 'Adaptation paths of the in-process agent: both (its default), updater or refit.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" agent-query' -l 'agent-query' -d 'Query endpoint of a running agent (with --agent-telemetry).' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" steps-csv' -l 'steps-csv' -d 'Write every step of the static-default run (2048 x 256) to this CSV (B, S, T_ms, split, KV tokens): the telemetry a passive agent beside today\'s vLLM defaults would see, for `saturn fit` or `saturn plan --table`. Needs one --truth and one --load.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" svg-dir' -l 'svg-dir' -d 'Write goodput and SLA-miss plots (SVG) per scenario into this directory.' -rfka ''
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn simulate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn keygen" force' -l 'force' -d 'Replace existing NAME.key / NAME.pub.'
complete -c 'saturn' -n '__saturn_should_offer_completions_for_flags_or_options "saturn keygen" h help' -s 'h' -l 'help' -d 'Show help information.'
