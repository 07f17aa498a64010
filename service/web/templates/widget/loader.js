{#- The reader widget's loader, served at /xinqing.js (service/web/widget.py renders it once
    with the manifest of content-hashed files). A page adds one <script src=".../xinqing.js"
    defer>; this finds the service's base URL from its own src, starts the page language's
    strings and loads the core (src/widget/core.js), which maps languages the same way. -#}
(()=>{const x=window.xinqing=window.xinqing||{},me=document.currentScript;if(x.assets)return;
if(!me)return console.warn("xinqing: load /xinqing.js with a plain <script src> tag");
const base=x.base=new URL(".",me.src).href.replace(/\/$/,""),files=x.assets={{ manifest|tojson }},
url=x.url=n=>base+{{ directory|tojson }}+n.replace(/\.\w+$/,"."+files[n]+"$&"),queue=x.queue=[];
for(const f of["mount","unmount","refresh"])x[f]=el=>queue.push([f,el]);
const l=document.documentElement.lang.toLowerCase(),
n=`i18n/core/${l.startsWith("en")?"en":/^zh-(tw|hk|mo|hant)/.test(l)?"zh-TW":"zh-CN"}.json`;
x.i18n={[n]:fetch(url(n)).then(r=>r.json()).catch(()=>null)};
import(url("core.js")).catch(e=>console.warn("xinqing: cannot load the widget",e))})();
