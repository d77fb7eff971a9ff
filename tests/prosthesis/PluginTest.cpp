// placeholder until the plugins exist
#include <gtest/gtest.h>
