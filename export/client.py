"""Client for the generator served by TF Serving: sends one predict request over REST (JSON) or gRPC and writes
the returned shapes as meshes. See export/README.md for starting the server.

    python export/client.py --protocol=rest --server=localhost:8501 --num_samples=4 --seed=7 --out=/tmp/shapes
    python export/client.py --protocol=grpc --server=localhost:8500 --source=z --latent_size=200 --out=/tmp/shapes

--source=seed asks the server to draw z (`sample_binarized`: the same shapes for the same seed on any server);
--source=z draws z here with numpy and sends it (`binarized`). Either way the server thresholds the occupancy,
so the response is binary voxels [B, N, N, N]. REST needs no TensorFlow (numpy, absl and this package's mesh
writer); gRPC needs TensorFlow and the `tensorflow-serving-api` stubs (see README).
"""

import json
import urllib.error
import urllib.request

import numpy as np
from absl import app, flags, logging

from iggan_tf.serving.mesh_files import MESH_FORMATS, check_mesh_formats, meshes_from_voxels, write_meshes, writable_dir

# Mirrors iggan_tf.serving.generator_savedmodel, which this client does not import: it needs no TensorFlow
# for REST, and the server, not this repository's version, defines the model.
OUTPUT_NAME = "voxels"
SIGNATURE_FOR_SOURCE = {"seed": "sample_binarized", "z": "binarized"}


def predict_inputs(source: str, seed: int, num_samples: int, threshold: float, latent_size: int | None = None):
    """(signature name, {input name: numpy value}) for one request; z comes from numpy's PCG64 with `seed`."""
    if source not in SIGNATURE_FOR_SOURCE:
        raise ValueError(f"source must be one of {sorted(SIGNATURE_FOR_SOURCE)}, got {source!r}")
    if num_samples < 1:
        raise ValueError(f"num_samples must be >= 1, got {num_samples}")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold}")
    inputs = {"threshold": np.float32(threshold)}
    if source == "seed":
        inputs.update(seed=np.int64(seed), num_samples=np.int32(num_samples))
    else:
        if not latent_size or latent_size < 1:
            raise ValueError(f"latent_size must be >= 1 when source is 'z', got {latent_size}")
        inputs["z"] = np.random.default_rng(seed).standard_normal((num_samples, latent_size)).astype(np.float32)
    return SIGNATURE_FOR_SOURCE[source], inputs


def rest_predict_url(server: str, model_name: str, version: int | None = None) -> str:
    """TF Serving's predict endpoint; without a version the server picks its latest."""
    base = server if "://" in server else f"http://{server}"
    version_part = f"/versions/{version}" if version is not None else ""
    return f"{base.rstrip('/')}/v1/models/{model_name}{version_part}:predict"


def rest_request_body(signature_name: str, inputs: dict) -> str:
    """The JSON predict body in TF Serving's columnar ("inputs") format, which allows scalar inputs.

    Floats are written by Python's shortest round-trip repr, so float32 values arrive bit-exact.
    """
    columns = {name: np.asarray(value).tolist() for name, value in inputs.items()}
    return json.dumps({"signature_name": signature_name, "inputs": columns})


def parse_rest_response(text: str) -> np.ndarray:
    """The voxels of a columnar predict response: "outputs" is the tensor itself when the signature has a
    single output (TF Serving omits the name), else a map from output name to tensor."""
    outputs = json.loads(text).get("outputs")
    if isinstance(outputs, dict):
        outputs = outputs.get(OUTPUT_NAME)
    if outputs is None:
        raise RuntimeError(f"predict response has no {OUTPUT_NAME!r} output: {text[:200]}")
    return np.asarray(outputs, dtype=np.float32)


def rest_predict(server: str, model_name: str, signature_name: str, inputs: dict, version: int | None = None,
                 timeout: float = 60.0) -> np.ndarray:
    """POSTs one predict request; RuntimeError carrying the server's error message on failure."""
    request = urllib.request.Request(
        rest_predict_url(server, model_name, version),
        data=rest_request_body(signature_name, inputs).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return parse_rest_response(response.read().decode())
    except urllib.error.HTTPError as error:
        body = error.read().decode(errors="replace")
        try:
            message = json.loads(body).get("error", body)
        except json.JSONDecodeError:
            message = body
        raise RuntimeError(f"REST predict failed with HTTP {error.code}: {message}") from None
    except urllib.error.URLError as error:
        raise RuntimeError(f"cannot reach TF Serving at {request.full_url}: {error.reason}") from None


def tensor_protos(inputs: dict) -> dict:
    """The gRPC form of the inputs: TensorProtos that keep the numpy dtypes (float32, int64, int32)."""
    import tensorflow as tf  # Only gRPC needs TensorProtos; REST clients stay free of TensorFlow.

    return {name: tf.make_tensor_proto(np.asarray(value)) for name, value in inputs.items()}


def grpc_predict_request(model_name: str, signature_name: str, inputs: dict, version: int | None = None):
    """A tensorflow_serving PredictRequest for one signature; without a version the server picks its latest."""
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature_name
    if version is not None:
        request.model_spec.version.value = version
    for name, proto in tensor_protos(inputs).items():
        request.inputs[name].CopyFrom(proto)
    return request


def grpc_predict(server: str, request, timeout: float = 60.0) -> np.ndarray:
    """Sends a PredictRequest; RuntimeError with the status code and the server's message on failure."""
    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    # Generated shapes are large (a 64^3 float32 grid is 1 MiB): lift gRPC's 4 MiB default message limit.
    options = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
    with grpc.insecure_channel(server, options=options) as channel:
        try:
            response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(request, timeout=timeout)
        except grpc.RpcError as error:
            raise RuntimeError(f"gRPC predict failed with {error.code().name}: {error.details()}") from None
    return tf.make_ndarray(response.outputs[OUTPUT_NAME]).astype(np.float32)


FLAGS = flags.FLAGS


def define_flags() -> None:
    """The command line's flags; defined only when run as a program, so importing the client defines none."""
    flags.DEFINE_enum("protocol", "rest", ["rest", "grpc"], "REST (JSON over HTTP) or gRPC.")
    flags.DEFINE_string("server", None, "host:port of TF Serving; default localhost:8501 for REST, :8500 for gRPC.")
    flags.DEFINE_string("model_name", "iggan_generator", "Model name in the server's models.config.")
    flags.DEFINE_integer("model_version", None, "Model version to ask for; default: the server's latest.")
    flags.DEFINE_enum("source", "seed", sorted(SIGNATURE_FOR_SOURCE), "Who draws z: the server (seed), or this client.")
    flags.DEFINE_integer("seed", 0, "Seed of the latent codes.")
    flags.DEFINE_integer("num_samples", 4, "How many shapes to generate.")
    flags.DEFINE_float("threshold", 0.5, "Occupancy above which a voxel is solid.")
    flags.DEFINE_integer("latent_size", 200, "Length of z (only for --source=z; the model's `latent_size`).")
    flags.DEFINE_list("formats", list(MESH_FORMATS), "Mesh formats to write.")
    flags.DEFINE_float("timeout", 60.0, "Seconds to wait for the server.")
    flags.DEFINE_string("out", None, "Folder for the meshes.", required=True)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    try:  # Bad flags fail here, before the server is asked for anything.
        out_dir = writable_dir(FLAGS.out, "--out")
        formats = check_mesh_formats(FLAGS.formats)
        signature_name, inputs = predict_inputs(FLAGS.source, FLAGS.seed, FLAGS.num_samples, FLAGS.threshold,
                                                FLAGS.latent_size)
    except ValueError as error:
        raise app.UsageError(str(error)) from None
    if FLAGS.protocol == "rest":
        server = FLAGS.server or "localhost:8501"
        voxels = rest_predict(server, FLAGS.model_name, signature_name, inputs, FLAGS.model_version, FLAGS.timeout)
    else:
        server = FLAGS.server or "localhost:8500"
        request = grpc_predict_request(FLAGS.model_name, signature_name, inputs, FLAGS.model_version)
        voxels = grpc_predict(server, request, FLAGS.timeout)
    written = write_meshes(meshes_from_voxels(voxels), out_dir, formats, prefix="shape")
    empty = sum(not paths for paths in written)
    logging.info("%d shapes of %s from %s; %d empty at threshold %.2f; meshes in %s", len(written),
                 "x".join(map(str, voxels.shape[1:])), server, empty, FLAGS.threshold, out_dir)


if __name__ == "__main__":
    define_flags()
    app.run(main)
