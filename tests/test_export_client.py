"""export/client.py: its REST and gRPC requests, decoded the way TF Serving decodes them, reach the generator
with the same numbers; end to end against a local HTTP stand-in for TF Serving's REST predict endpoint."""

import http.server
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import threading

import numpy as np
import pytest
import tensorflow as tf
import trimesh

from iggan_tf.geometry.meshing import mesh_from_voxels
from iggan_tf.nets import GeneratorConfig, make_generator
from iggan_tf.serving.generator_savedmodel import export_generator, latent_codes

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
RESOLUTION = 8
LATENT_SIZE = 6
MODEL_NAME = "iggan_generator"


def load_client():
    spec = importlib.util.spec_from_file_location("serving_client", REPOSITORY / "export" / "client.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


client = load_client()


@pytest.fixture(scope="module")
def generator():
    return make_generator(GeneratorConfig(voxel_size=RESOLUTION, latent_dim=LATENT_SIZE, width=4))


@pytest.fixture(scope="module")
def signatures(generator, tmp_path_factory):
    return tf.saved_model.load(str(export_generator(generator, tmp_path_factory.mktemp("export")))).signatures


def run_signature(signatures, signature_name, decoded_inputs):
    """What TF Serving does with a request: each input becomes a tensor of the signature's declared dtype."""
    function = signatures[signature_name]
    specs = function.structured_input_signature[1]
    tensors = {name: tf.constant(value, dtype=specs[name].dtype) for name, value in decoded_inputs.items()}
    return function(**tensors)["voxels"].numpy()


def direct_voxels(generator, z, threshold=None):
    occupancy = generator(np.asarray(z, np.float32), training=False).numpy()[..., 0]
    return occupancy if threshold is None else (occupancy > threshold).astype(np.float32)


@pytest.mark.parametrize("source", ["z", "seed"])
def test_rest_body_decoded_gives_the_generators_voxels(signatures, generator, source):
    signature_name, inputs = client.predict_inputs(source, seed=3, num_samples=4, threshold=0.5,
                                                   latent_size=LATENT_SIZE)
    body = json.loads(client.rest_request_body(signature_name, inputs))
    assert body["signature_name"] == signature_name
    voxels = run_signature(signatures, signature_name, body["inputs"])
    z = inputs["z"] if source == "z" else latent_codes(3, 4, LATENT_SIZE).numpy()
    np.testing.assert_array_equal(voxels, direct_voxels(generator, z, threshold=0.5))


def test_rest_body_carries_float32_z_bit_exactly(signatures, generator):
    z = np.random.default_rng(0).standard_normal((3, LATENT_SIZE)).astype(np.float32)
    decoded = json.loads(client.rest_request_body("serving_default", {"z": z}))["inputs"]
    np.testing.assert_array_equal(np.asarray(decoded["z"], np.float32), z)
    np.testing.assert_allclose(run_signature(signatures, "serving_default", decoded), direct_voxels(generator, z),
                               atol=1e-6)


def test_grpc_tensor_protos_match_the_signature(signatures, generator):
    for source in ("z", "seed"):
        signature_name, inputs = client.predict_inputs(source, seed=1, num_samples=2, threshold=0.4,
                                                       latent_size=LATENT_SIZE)
        protos = client.tensor_protos(inputs)
        specs = signatures[signature_name].structured_input_signature[1]
        assert sorted(protos) == sorted(specs)
        for name, proto in protos.items():
            assert tf.dtypes.as_dtype(proto.dtype) == specs[name].dtype
            assert specs[name].shape.is_compatible_with(tf.make_ndarray(proto).shape)
        decoded = {name: tf.make_ndarray(proto) for name, proto in protos.items()}
        z = inputs["z"] if source == "z" else latent_codes(1, 2, LATENT_SIZE).numpy()
        np.testing.assert_array_equal(run_signature(signatures, signature_name, decoded),
                                      direct_voxels(generator, z, threshold=0.4))


def test_predict_inputs_rejects_bad_arguments():
    with pytest.raises(ValueError, match="source must be one of"):
        client.predict_inputs("noise", 0, 1, 0.5)
    with pytest.raises(ValueError, match="num_samples must be >= 1"):
        client.predict_inputs("seed", 0, 0, 0.5)
    with pytest.raises(ValueError, match="threshold must lie in"):
        client.predict_inputs("seed", 0, 1, 2.0)
    with pytest.raises(ValueError, match="latent_size must be >= 1"):
        client.predict_inputs("z", 0, 1, 0.5, latent_size=None)


def test_parse_rest_response_accepts_both_output_layouts():
    grid = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2)
    np.testing.assert_array_equal(client.parse_rest_response(json.dumps({"outputs": grid.tolist()})), grid)
    named = json.dumps({"outputs": {"voxels": grid.tolist(), "other": [1]}})
    np.testing.assert_array_equal(client.parse_rest_response(named), grid)
    with pytest.raises(RuntimeError, match="no 'voxels' output"):
        client.parse_rest_response(json.dumps({"predictions": [1]}))


def test_rest_predict_url():
    assert client.rest_predict_url("localhost:8501", "g") == "http://localhost:8501/v1/models/g:predict"
    assert client.rest_predict_url("https://host/", "g", 3) == "https://host/v1/models/g/versions/3:predict"


@pytest.fixture(scope="module")
def rest_server(signatures):
    """A stand-in for TF Serving's REST predict endpoint: columnar requests, single-output responses."""

    class PredictHandler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            if self.path != f"/v1/models/{MODEL_NAME}:predict":
                return self.reply(404, {"error": f"Servable not found for request: {self.path}"})
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            try:
                voxels = run_signature(signatures, body.get("signature_name", "serving_default"), body["inputs"])
            except tf.errors.InvalidArgumentError as error:
                return self.reply(400, {"error": error.message})
            self.reply(200, {"outputs": voxels.tolist()})

        def reply(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PredictHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_rest_predict_against_a_local_server(rest_server, generator):
    signature_name, inputs = client.predict_inputs("seed", seed=9, num_samples=3, threshold=0.5)
    voxels = client.rest_predict(rest_server, MODEL_NAME, signature_name, inputs)
    expected = direct_voxels(generator, latent_codes(9, 3, LATENT_SIZE).numpy(), threshold=0.5)
    np.testing.assert_array_equal(voxels, expected)


def test_rest_predict_reports_server_errors(rest_server):
    inputs = {"seed": np.int64(0), "num_samples": np.int32(0), "threshold": np.float32(0.5)}
    with pytest.raises(RuntimeError, match=r"(?s)HTTP 400: .*num_samples must lie in"):
        client.rest_predict(rest_server, MODEL_NAME, "sample_binarized", inputs)
    with pytest.raises(RuntimeError, match="HTTP 404: Servable not found"):
        client.rest_predict(rest_server, "no_such_model", "sample_binarized", inputs)


def test_rest_predict_reports_an_unreachable_server():
    with pytest.raises(RuntimeError, match="cannot reach TF Serving"):
        client.rest_predict("127.0.0.1:1", MODEL_NAME, "sample", {}, timeout=5)


def test_client_binary_writes_meshes_from_the_server(rest_server, generator, tmp_path):
    environment = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    command = [sys.executable, str(REPOSITORY / "export" / "client.py"), f"--server={rest_server}",
               "--source=z", f"--latent_size={LATENT_SIZE}", "--seed=4", "--num_samples=2", "--formats=obj,ply",
               f"--out={tmp_path / 'meshes'}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=environment)
    assert result.returncode == 0, result.stderr[-2000:]
    z = np.random.default_rng(4).standard_normal((2, LATENT_SIZE)).astype(np.float32)
    expected = direct_voxels(generator, z, threshold=0.5)
    for index in range(2):
        mesh = trimesh.load(tmp_path / "meshes" / f"shape_{index:03d}.ply", process=False)
        vertices, faces, _ = mesh_from_voxels(expected[index])
        assert len(faces) > 0
        np.testing.assert_allclose(mesh.vertices, vertices, atol=1e-6)
        np.testing.assert_array_equal(mesh.faces, faces)
        assert (tmp_path / "meshes" / f"shape_{index:03d}.obj").is_file()
    assert not list((tmp_path / "meshes").glob("*.glb"))


def test_client_binary_refuses_an_unwritable_out_before_asking_the_server(tmp_path):
    (tmp_path / "a_file").write_text("")
    environment = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    command = [sys.executable, str(REPOSITORY / "export" / "client.py"), "--server=127.0.0.1:1",
               f"--out={tmp_path / 'a_file' / 'meshes'}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=environment)
    assert result.returncode != 0
    assert "--out" in result.stderr and "cannot be written" in result.stderr


def test_grpc_predict_against_a_local_server(signatures, generator):
    """Runs where the tensorflow-serving-api stubs are installed (see export/README.md)."""
    grpc = pytest.importorskip("grpc")
    prediction_service = pytest.importorskip("tensorflow_serving.apis.prediction_service_pb2_grpc")
    predict_pb2 = pytest.importorskip("tensorflow_serving.apis.predict_pb2")
    from concurrent import futures

    class Servicer(prediction_service.PredictionServiceServicer):
        def Predict(self, request, context):
            decoded = {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}
            response = predict_pb2.PredictResponse()
            voxels = run_signature(signatures, request.model_spec.signature_name, decoded)
            response.outputs["voxels"].CopyFrom(tf.make_tensor_proto(voxels))
            return response

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    prediction_service.add_PredictionServiceServicer_to_server(Servicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        signature_name, inputs = client.predict_inputs("seed", seed=2, num_samples=2, threshold=0.5)
        request = client.grpc_predict_request(MODEL_NAME, signature_name, inputs, version=3)
        assert (request.model_spec.name, request.model_spec.version.value) == (MODEL_NAME, 3)
        voxels = client.grpc_predict(f"127.0.0.1:{port}", request)
    finally:
        server.stop(None)
    np.testing.assert_array_equal(voxels, direct_voxels(generator, latent_codes(2, 2, LATENT_SIZE).numpy(), 0.5))


def test_the_rest_client_does_not_import_tensorflow():
    code = (
        "import importlib.util, sys; "
        f"spec = importlib.util.spec_from_file_location('client', {str(REPOSITORY / 'export' / 'client.py')!r}); "
        "spec.loader.exec_module(importlib.util.module_from_spec(spec)); "
        "assert 'tensorflow' not in sys.modules"
    )
    environment = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, env=environment)
