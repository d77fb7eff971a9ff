# Sources of analysis/rsa; included by analysis/CMakeLists.txt.
