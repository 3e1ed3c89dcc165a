// The data layer in one include: datasets, the DataLoader, file readers (IDX, IDX folders, CSV,
// PNG and image folders, text), Fashion-MNIST, datasets named by path (source.h) and
// normalisation transforms. Everything lives in namespace cajal::data.
#pragma once
#include "cajal/data/csv.h"
#include "cajal/data/dataloader.h"
#include "cajal/data/dataset.h"
#include "cajal/data/fashion_mnist.h"
#include "cajal/data/idx.h"
#include "cajal/data/idx_folder.h"
#include "cajal/data/image_folder.h"
#include "cajal/data/source.h"
#include "cajal/data/text.h"
#include "cajal/data/transforms.h"
