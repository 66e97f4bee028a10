# Reference values for runtime/metrics/frechet.ts: the Fréchet (FID) distance between Gaussians
# fitted to float32 point clouds, in float64 NumPy with scipy.linalg.sqrtm (as the FID reference
# code pytorch-fid computes it). Writes test/metrics/frechet-fixtures.json; the test never runs Python.
import numpy as np, base64, json
from scipy import linalg
rng=np.random.default_rng(7)
cases=[]
for name,n,m,d in [("gauss-3d",200,150,3),("correlated-16d",500,400,16),("rank-deficient-8d",5,300,8),("features-64d",150,120,64)]:
    A=rng.normal(size=(d,d)); a=(rng.normal(size=(n,d))@A*0.5+1.0).astype(np.float32)
    B=rng.normal(size=(d,d)); b=(rng.normal(size=(m,d))@B*0.7).astype(np.float32)
    if name.startswith("rank"): a=np.abs(a)
    x=a.astype(np.float64); y=b.astype(np.float64)
    mu=x.mean(0)-y.mean(0); s1=np.cov(x,rowvar=False); s2=np.cov(y,rowvar=False)
    cs=linalg.sqrtm(s1@s2); cs=cs.real
    fid=float(mu@mu+np.trace(s1)+np.trace(s2)-2*np.trace(cs))
    cases.append(dict(name=name,n=n,m=m,d=d,a=base64.b64encode(a.tobytes()).decode(),b=base64.b64encode(b.tobytes()).decode(),frechet=fid))
import scipy
import os
json.dump(dict(generator="bench/reference/frechet.py",numpy=np.__version__,scipy=scipy.__version__,cases=cases),open(os.path.join(os.path.dirname(__file__),'..','..','test','metrics','frechet-fixtures.json'),'w'))
for c in cases: print(c['name'],c['frechet'])
