// The worker file piscina and tinypool need: the same tasks as the pool bench.
export default function double(x) {
  return x * 2;
}
