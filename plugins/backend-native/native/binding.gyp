{
  "targets": [
    {
      "target_name": "allo_native",
      "sources": ["src/addon.cc", "src/gemm.cc", "src/elementwise.cc", "src/losses.cc", "src/parallel.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-O3", "-march=native", "-std=c++17", "-pthread", "-fno-exceptions", "-fno-math-errno", "-fno-trapping-math", "-fopenmp-simd"],
      "libraries": ["-lopenblas", "-pthread"]
    }
  ]
}
