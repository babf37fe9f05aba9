{
  "targets": [
    {
      "target_name": "tokensweep_gemm",
      "sources": ["src/binding.c", "src/gemm.c", "src/gemm-memory.c", "src/kernel-portable.c", "src/kernel-avx2.c", "src/kernel-avx512.c", "src/binding-dots.c", "src/dots.c", "src/dots-avx2.c", "src/binding-file.c", "src/binding-memory.c", "src/binding-bpe.c", "src/number-bpe.c", "src/binding-parquet.c", "src/parquet-pages.c"],
      "cflags": ["-std=c11", "-O3", "-ffp-contract=off", "-fno-math-errno", "-pthread"],
      "cflags!": ["-fno-tree-vectorize"],
      "ldflags": ["-pthread"],
      "libraries": ["-ldl"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-std=c11", "-O3", "-ffp-contract=off", "-fno-math-errno"]
      }
    }
  ]
}
