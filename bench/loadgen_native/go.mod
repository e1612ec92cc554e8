module unioncat/bench/loadgen_native

go 1.22
