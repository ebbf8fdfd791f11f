// iggan-report: hands each viewer its mesh. A page opened from file:// may not fetch its neighbouring files,
// so each mesh script stored its GLB as a data: URI in window.igganMeshes under the viewer's data-mesh key.
"use strict";
(function () {
  const meshes = window.igganMeshes || {};
  for (const viewer of document.querySelectorAll("model-viewer[data-mesh]")) {
    const key = viewer.dataset.mesh;
    if (!(key in meshes)) {
      console.error(`iggan-report: no mesh script stored the mesh ${key}`);
      continue;
    }
    viewer.addEventListener("load", () => { viewer.dataset.loaded = "true"; });
    viewer.addEventListener("error", (event) => console.error(`iggan-report: mesh ${key} failed to load`, event.detail));
    viewer.src = meshes[key];
  }
})();
