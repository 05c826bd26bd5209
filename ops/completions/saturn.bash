#!/bin/bash

__saturn_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__saturn_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__saturn_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__saturn_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_saturn() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(-h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __saturn_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    demo|agent|forwarder|fit|eval|bench|bench-bus|experiment|plan|simulate|keygen|help)
        # Offer subcommand argument completions
        "_saturn_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'demo agent forwarder fit eval bench bench-bus experiment plan simulate keygen help' -- "${cur}"))
        ;;
    esac
}

_saturn_demo() {
    repeating_flags=()
    non_repeating_flags=(-h --help)
    repeating_options=()
    non_repeating_options=(--requests --load --sla-ms --ttft-ms --workers --variant --speedup --noise --seed --grid-tokens --grid-seqs)
    __saturn_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--requests')
        return
        ;;
    '--load')
        return
        ;;
    '--sla-ms')
        return
        ;;
    '--ttft-ms')
        return
        ;;
    '--workers')
        return
        ;;
    '--variant')
        return
        ;;
    '--speedup')
        return
        ;;
    '--noise')
        return
        ;;
    '--seed')
        return
        ;;
    '--grid-tokens')
        return
        ;;
    '--grid-seqs')
        return
        ;;
    esac
}

_saturn_agent() {
    repeating_flags=()
    non_repeating_flags=(--print-config --insecure -h --help)
    repeating_options=(--set --peer --snapshot-from --forwarder --fpm)
    non_repeating_options=(--config --node-id --telemetry --query --broadcast --advertise --metrics --curve-key --allow --state-dir --families --log-level)
    __saturn_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--set')
        return
        ;;
    '--node-id')
        return
        ;;
    '--telemetry')
        return
        ;;
    '--query')
        return
        ;;
    '--broadcast')
        return
        ;;
    '--advertise')
        return
        ;;
    '--peer')
        return
        ;;
    '--snapshot-from')
        return
        ;;
    '--forwarder')
        return
        ;;
    '--fpm')
        return
        ;;
    '--metrics')
        return
        ;;
    '--curve-key')
        return
        ;;
    '--allow')
        return
        ;;
    '--state-dir')
        return
        ;;
    '--families')
        return
        ;;
    '--log-level')
        __saturn_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_saturn_forwarder() {
    repeating_flags=()
    non_repeating_flags=(-h --help)
    repeating_options=()
    non_repeating_options=(--frontend --backend --log-level)
    __saturn_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--frontend')
        return
        ;;
    '--backend')
        return
        ;;
    '--log-level')
        __saturn_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_saturn_fit() {
    repeating_flags=()
    non_repeating_flags=(--json --drop-invalid --no-reject -h --help)
    repeating_options=(--where)
    non_repeating_options=(--loss --min-ms --max-ms --model --reject-z)
    __saturn_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--loss')
        __saturn_add_completions -W 'sse'$'\n''relative'
        return
        ;;
    '--min-ms')
        return
        ;;
    '--max-ms')
        return
        ;;
    '--where')
        return
        ;;
    '--model')
        __saturn_add_completions -W 'base'$'\n''kv'$'\n''kvq'$'\n''auto'
        return
        ;;
    '--reject-z')
        return
        ;;
    esac
}

_saturn_eval() {
    repeating_flags=()
    non_repeating_flags=(--json --cv --drop-invalid --no-reject -h --help)
    repeating_options=(--where)
    non_repeating_options=(--out --min-ms --max-ms --reject-z)
    __saturn_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--out')
        return
        ;;
    '--min-ms')
        return
        ;;
    '--max-ms')
        return
        ;;
    '--where')
        return
        ;;
    '--reject-z')
        return
        ;;
    esac
}

_saturn_bench() {
    repeating_flags=()
    non_repeating_flags=(--no-scipy --families --drop-invalid --no-reject -h --help)
    repeating_options=(--where)
    non_repeating_options=(--rows --repeats --python --scipy-script --loss --scipy-threads --table --prediction-calls --min-ms --max-ms --reject-z)
    __saturn_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--rows')
        return
        ;;
    '--repeats')
        return
        ;;
    '--python')
        return
        ;;
    '--scipy-script')
        return
        ;;
    '--loss')
        __saturn_add_completions -W 'sse'$'\n''relative'
        return
        ;;
    '--scipy-threads')
        return
        ;;
    '--table')
        return
        ;;
    '--prediction-calls')
        return
        ;;
    '--min-ms')
        return
        ;;
    '--max-ms')
        return
        ;;
    '--where')
        return
        ;;
    '--reject-z')
        return
        ;;
    esac
}

_saturn_bench-bus() {
    repeating_flags=()
    non_repeating_flags=(--busy-core --agent-only -h --help)
    repeating_options=(--workers --measure)
    non_repeating_options=(--messages --round-trips --repeats --clients --seconds --scrape-rate)
    __saturn_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--messages')
        return
        ;;
    '--workers')
        return
        ;;
    '--round-trips')
        return
        ;;
    '--repeats')
        return
        ;;
    '--clients')
        return
        ;;
    '--seconds')
        return
        ;;
    '--scrape-rate')
        return
        ;;
    '--measure')
        __saturn_add_completions -W 'ingest'$'\n''round-trip'$'\n''queries'$'\n''updates'$'\n''decisions'$'\n''scrape'$'\n''flood'
        return
        ;;
    esac
}

_saturn_experiment() {
    repeating_flags=()
    non_repeating_flags=(-h --help)
    repeating_options=()
    non_repeating_options=()
    __saturn_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    adapt)
        # Offer subcommand argument completions
        "_saturn_experiment_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'adapt' -- "${cur}"))
        ;;
    esac
}

_saturn_experiment_adapt() {
    repeating_flags=()
    non_repeating_flags=(--json --drop-invalid -h --help)
    repeating_options=(--path --where)
    non_repeating_options=(--from --to --trials --seed --stable --switched --noise --rate --min-ms --max-ms)
    __saturn_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--from')
        return
        ;;
    '--to')
        return
        ;;
    '--trials')
        return
        ;;
    '--seed')
        return
        ;;
    '--stable')
        return
        ;;
    '--switched')
        return
        ;;
    '--noise')
        return
        ;;
    '--rate')
        return
        ;;
    '--path')
        return
        ;;
    '--min-ms')
        return
        ;;
    '--max-ms')
        return
        ;;
    '--where')
        return
        ;;
    esac
}

_saturn_plan() {
    repeating_flags=()
    non_repeating_flags=(--drop-invalid --json -h --help)
    repeating_options=(--where)
    non_repeating_options=(--parameters --table --min-ms --max-ms --sla-ms --ttft-ms --min-batch --max-batch --max-tokens --trace --mean-prompt --prompt-sd --prompt-quantile-tokens --mean-output --quantile --rate --margin --sequence-caps)
    __saturn_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--parameters')
        return
        ;;
    '--table')
        return
        ;;
    '--min-ms')
        return
        ;;
    '--max-ms')
        return
        ;;
    '--where')
        return
        ;;
    '--sla-ms')
        return
        ;;
    '--ttft-ms')
        return
        ;;
    '--min-batch')
        return
        ;;
    '--max-batch')
        return
        ;;
    '--max-tokens')
        return
        ;;
    '--trace')
        return
        ;;
    '--mean-prompt')
        return
        ;;
    '--prompt-sd')
        return
        ;;
    '--prompt-quantile-tokens')
        return
        ;;
    '--mean-output')
        return
        ;;
    '--quantile')
        return
        ;;
    '--rate')
        return
        ;;
    '--margin')
        return
        ;;
    '--sequence-caps')
        return
        ;;
    esac
}

_saturn_simulate() {
    repeating_flags=()
    non_repeating_flags=(--json --all-static -h --help)
    repeating_options=(--truth)
    non_repeating_options=(--trace --sla-ms --ttft-ms --load --requests --noise --seed --kv-tokens --grid-tokens --grid-seqs --saturn --agent-telemetry --agent-adaptation --agent-query --steps-csv --svg-dir)
    __saturn_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--trace')
        return
        ;;
    '--truth')
        return
        ;;
    '--sla-ms')
        return
        ;;
    '--ttft-ms')
        return
        ;;
    '--load')
        return
        ;;
    '--requests')
        return
        ;;
    '--noise')
        return
        ;;
    '--seed')
        return
        ;;
    '--kv-tokens')
        return
        ;;
    '--grid-tokens')
        return
        ;;
    '--grid-seqs')
        return
        ;;
    '--saturn')
        return
        ;;
    '--agent-telemetry')
        return
        ;;
    '--agent-adaptation')
        return
        ;;
    '--agent-query')
        return
        ;;
    '--steps-csv')
        return
        ;;
    '--svg-dir')
        return
        ;;
    esac
}

_saturn_keygen() {
    repeating_flags=()
    non_repeating_flags=(--force -h --help)
    repeating_options=()
    non_repeating_options=()
    __saturn_offer_flags_options 1
}

_saturn_help() {
    :
}

complete -o filenames -F _saturn saturn
