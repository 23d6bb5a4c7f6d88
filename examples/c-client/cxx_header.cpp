// kernelgen.h from C++ (extern "C", __restrict): compiled, linked and run by test.sh with g++ and clang++.
#include "kernelgen.h"

int main() {
    const float x[3] = {-1.0f, 0.0f, 2.0f};
    float y[3] = {7.0f, 7.0f, 7.0f};
    kg_sigmoid_forward_f32(x, y, 3, 5.0f);
    return (y[0] == 0.0f && y[1] == 1.0f && y[2] == 1.0f) ? 0 : 1;
}
