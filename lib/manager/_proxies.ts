// Every proxy class, loaded together: each registers itself for its
// typeids, so a proxy rebuilt in a worker gets its own class (not the
// generic AutoProxy).
import "./proxy.ts";
import "./list_proxy.ts";
import "./dict_proxy.ts";
import "./set_proxy.ts";
import "./sync_proxy.ts";
import "./value_proxy.ts";
import "./pool_proxy.ts";
