"""Correspondences beyond adjacent frames, from the scene's own geometry (no Blender needed).

:mod:`.geometry` reads a render folder's ``geometry.npz``; :class:`.engine.Engine` finds the
surface point seen at every pixel (rasterised at pixel centres, refined in float64) and
where it is at any frame, with an exact visibility test where the pixels cannot tell;
:mod:`.kernels` holds its compiled per-pixel loops; :mod:`.members` streams the ``flow_k{K}``, ``occ_k{K}``, ``tracks``,
``track_vis`` and ``scene_flow`` members; :mod:`.tracks` draws and follows query points;
:mod:`.names` knows the member names and the checks a clip must pass.
"""
