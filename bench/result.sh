# Sourced (sh or bash) by the bench/*/compare scripts: peak memory of one
# process and the machine-readable lines that bench/run-all collects.
#
#   RESULT <row> <size> <ours_s> <peer_s> <ours_mb> <peer_mb> <note ...>
#   SKIP <row> <reason ...>
#
# Times are seconds of the measured operation (lower is better; rates are
# turned into seconds per unit of work), memory the peak RSS in MB of the
# process that did it. "-" is "not measured". <size> is one word.

# peak_run KB_FILE COMMAND...: runs COMMAND under GNU time and leaves its peak
# RSS in kB in KB_FILE (a "-" there when /usr/bin/time is absent). Exits with
# COMMAND's status; its stdout and stderr are untouched.
peak_run() {
  _peak_file=$1
  shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f 'peak_kb %M' -o "$_peak_file" "$@"
  else
    echo 'peak_kb -' >"$_peak_file"
    "$@"
  fi
}

# mb_of KB_FILE...: the largest peak of these peak_run files in MB, or "-".
mb_of() {
  cat "$@" 2>/dev/null | awk '$1 == "peak_kb" && $2 != "-" { if ($2 > m) m = $2; seen = 1 }
    END { if (seen) printf "%.0f\n", m / 1024; else print "-" }'
}

# result ROW SIZE OURS_S PEER_S OURS_MB PEER_MB NOTE...
result() {
  _row=$1 _size=$2 _ours=$3 _peer=$4 _omb=$5 _pmb=$6
  shift 6
  echo "RESULT $_row $_size $_ours $_peer $_omb $_pmb $*"
}

# skip_row ROW REASON...: says why a row has no peer (or no data).
skip_row() {
  _row=$1
  shift
  echo "SKIP $_row $*"
}

# has_python_modules MODULE...: true when Debian's python3 imports them all.
has_python_modules() {
  for _m in "$@"; do
    /usr/bin/python3 -c "import $_m" 2>/dev/null || return 1
  done
}
