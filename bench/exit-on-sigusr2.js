// Preloaded into the service by `BENCH_CPU_PROF=<dir> npm run bench:http`: SIGUSR2 ends the process normally,
// which is when `node --cpu-prof` writes its profile (SIGTERM goes through Nest's shutdown hooks, which end
// the process by re-raising the signal, and a process killed by a signal writes no profile).
process.on('SIGUSR2', () => process.exit(0));
