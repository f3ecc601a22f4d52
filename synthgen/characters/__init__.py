"""Characters and motion without Blender: skeletons, retargeting, motion sources, the people pack.

Everything here is numpy + the standard library, so it runs in the planner, in tests and in
a stock Blender's bundled Python alike; the Blender builders live in ``synthgen/blender/``.

| module | owns |
|---|---|
| ``skeleton`` | Skeleton, WorldPose, rotation maths, canonical Mixamo names, interpolation |
| ``retarget`` | rest-pose-aware retargeting, stance, grounding, the error and skating metrics |
| ``model`` | the Character and Motion data types, subject placement |
| ``mannequin``, ``actions`` | the procedural humanoids and the keyframed action library |
| ``stats`` | manifest statistics of actions (envelope, energy, dynamic score), skinning |
"""
