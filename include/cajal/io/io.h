// The io layer in one include: safetensors files, checkpoints and NumPy .npy/.npz.
// Everything lives in namespace cajal::io.
#pragma once
#include "cajal/io/checkpoint.h"
#include "cajal/io/npy.h"
#include "cajal/io/safetensors.h"
