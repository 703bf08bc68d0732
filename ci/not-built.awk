# Prints "file:from-to:kind" for every item, statement or field that a `#[cfg(…)]`
# attribute leaves out of a build: ci/mutants passes the cfgs that are false
# in the build it mutates (one per line, the first file), then the sources.
# The item runs from its attribute to the line that closes its braces, or to
# its `;` or `,` when it has none. Braces in comments are ignored; braces in
# strings are counted, which holds for the balanced `{}` of format strings.
# kind is "item" (left out whole) or "part" (a statement, field or arm).
FNR == NR { if ($0 != "") false_cfg[$0] = 1; next }
FNR == 1 { state = 0 }
{
    line = $0
    if (state == 0) {
        if (match(line, /^[ \t]*#\[cfg\(.*\)\][ \t]*$/)) {
            cfg = line; sub(/^[ \t]*#\[cfg\(/, "", cfg); sub(/\)\][ \t]*$/, "", cfg)
            if (cfg in false_cfg) { state = 1; from = FNR; depth = 0; opened = 0; kind = "" }
        }
        next
    }
    # state 1: inside a left-out item; further attributes belong to it.
    if (match(line, /^[ \t]*#\[/) && depth == 0 && !opened) next
    # An item (a function, impl, module…) is left out whole; a statement,
    # field or arm only takes the operators inside it, not a mutant that
    # replaces the body of the function it sits in.
    if (depth == 0 && !opened && kind == "") {
        kind = line ~ /^[ \t]*(pub(\([a-z]+\))?[ \t]+)?(unsafe[ \t]+)?(fn|impl|mod|struct|enum|const|static|type|trait|use|macro_rules!)[ \t<]/ ? "item" : "part"
    }
    stripped = line
    gsub(/\/\/.*$/, "", stripped)
    n_open = gsub(/\{/, "{", stripped); n_close = gsub(/\}/, "}", stripped)
    depth += n_open - n_close
    if (n_open > 0) opened = 1
    if (depth <= 0 && (opened || stripped ~ /[;,][ \t]*$/)) {
        print FILENAME ":" from "-" FNR ":" kind
        state = 0
    }
}
