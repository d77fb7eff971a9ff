#pragma once
// The one thread setting of the app: how many worker threads analyses and
// readers run (parallelFor in analysis, threaded chunk decompression in
// io/microscopy). Default: the NEUROLOUPE_THREADS environment variable when
// it is a positive integer, else one per hardware core. OpenBLAS runs one
// thread inside each worker (analysis/linalg/Linalg.h).
namespace nl::io {

int workerThreadCount();
// n ≤ 0 restores the default. Takes effect for work started afterwards.
void setWorkerThreadCount(int n);

}  // namespace nl::io
